// x509check judges what castellan's PKI code makes with Go's crypto/x509
// (the library Talos, talosctl and kubectl use), and writes a secrets
// bundle fixture the way `talosctl gen secrets` does, for castellan to read.
//
//	x509check fixture DIR               DIR/talosctl-ed25519.yaml, DIR/talosctl-ecdsa.yaml
//	x509check bundle FILE [std]         a castellan-made bundle, field by field
//	x509check talosconfig BUNDLE FILE   the client certificate against the os CA
//	x509check kubeconfig BUNDLE FILE    the client certificate against the k8s CA
//
// Each check prints "PASS what" or "FAIL what"; any FAIL exits 1.
package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

var failed bool

// because is "" for no error, else ": the error", for a check's line.
func because(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func check(ok bool, format string, args ...any) {
	word := "PASS"
	if !ok {
		word, failed = "FAIL", true
	}
	fmt.Printf("%s %s\n", word, fmt.Sprintf(format, args...))
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: x509check fixture DIR | bundle FILE [std] | talosconfig|kubeconfig BUNDLE FILE")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "fixture":
		fixture(os.Args[2])
	case "bundle":
		checkBundle(os.Args[2], len(os.Args) > 3 && os.Args[3] == "std")
	case "talosconfig", "kubeconfig":
		checkClient(os.Args[1], os.Args[2], os.Args[3])
	default:
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// flat reads the block-style YAML castellan and talosctl write into
// dotted paths; a list item "- k: v" counts as a key two columns in.
func flat(text string) map[string]string {
	type level struct {
		indent int
		key    string
	}
	m := map[string]string{}
	var stack []level
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimLeft(line, " ")
		indent := len(line) - len(t)
		if strings.HasPrefix(t, "- ") {
			t, indent = t[2:], indent+2
		}
		k, v, ok := strings.Cut(t, ":")
		if !ok || t == "" {
			continue
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= indent {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, level{indent, k})
		var path []string
		for _, l := range stack {
			path = append(path, l.key)
		}
		m[strings.Join(path, ".")] = strings.TrimSpace(v)
	}
	return m
}

func readFlat(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		check(false, "%s can be read: %v", path, err)
		return map[string]string{}
	}
	return flat(string(b))
}

// pemOf decodes "standard base64 of PEM text" to the PEM block.
func pemOf(b64 string) (*pem.Block, []byte) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, nil
	}
	block, _ := pem.Decode(raw)
	return block, raw
}

// parseKey reads a private key the way Talos's crypto GetKey does.
func parseKey(block *pem.Block) (crypto.Signer, error) {
	if block == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	var k any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	case "ED25519 PRIVATE KEY", "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM type %q", block.Type)
	}
	if err != nil {
		return nil, err
	}
	return k.(crypto.Signer), nil
}

func critical(c *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical
		}
	}
	return false
}

var (
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	tokenRE             = regexp.MustCompile(`^[a-z0-9]{6}\.[a-z0-9]{16}$`)
)

func decodes32(enc *base64.Encoding, s string) bool {
	b, err := enc.DecodeString(s)
	return err == nil && len(b) == 32
}

func checkBundle(path string, std bool) {
	m := readFlat(path)
	idEnc := base64.URLEncoding
	if std {
		idEnc = base64.StdEncoding
	}
	check(decodes32(idEnc, m["cluster.id"]), "cluster.id is base64 (std=%v) of 32 bytes", std)
	check(decodes32(base64.StdEncoding, m["cluster.secret"]), "cluster.secret is standard base64 of 32 bytes")
	check(tokenRE.MatchString(m["secrets.bootstraptoken"]), "secrets.bootstraptoken has the kubeadm token shape")
	check(tokenRE.MatchString(m["trustdinfo.token"]), "trustdinfo.token has the token shape")
	check(decodes32(base64.StdEncoding, m["secrets.secretboxencryptionsecret"]), "secretboxencryptionsecret is base64 of 32 bytes")
	for _, ca := range []struct{ name, o, cn string }{
		{"etcd", "etcd", ""}, {"k8s", "kubernetes", ""}, {"k8saggregator", "", "front-proxy"}, {"os", "talos", ""},
	} {
		checkCA(m, ca.name, ca.o, ca.cn)
	}
	block, _ := pemOf(m["certs.k8sserviceaccount.key"])
	key, err := parseKey(block)
	rk, isRSA := key.(*rsa.PrivateKey)
	check(err == nil && isRSA && block.Type == "RSA PRIVATE KEY", "certs.k8sserviceaccount.key is a PKCS#1 RSA key%s", because(err))
	if isRSA {
		check(rk.N.BitLen() == 4096 && rk.E == 65537 && rk.Validate() == nil, "the service-account key is RSA-4096, e=65537, valid")
	}
}

func loadCA(m map[string]string, name string) (*x509.Certificate, crypto.Signer, *pem.Block) {
	cb, _ := pemOf(m["certs."+name+".crt"])
	if cb == nil || cb.Type != "CERTIFICATE" {
		check(false, "certs.%s.crt is base64 of a CERTIFICATE PEM", name)
		return nil, nil, nil
	}
	crt, err := x509.ParseCertificate(cb.Bytes)
	check(err == nil, "certs.%s.crt parses%s", name, because(err))
	kb, _ := pemOf(m["certs."+name+".key"])
	key, err := parseKey(kb)
	check(err == nil, "certs.%s.key parses as Talos reads keys%s", name, because(err))
	return crt, key, kb
}

func samePublic(a crypto.PublicKey, b crypto.PublicKey) bool {
	type eq interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(eq)
	return ok && e.Equal(b)
}

func checkCA(m map[string]string, name, o, cn string) {
	crt, key, kb := loadCA(m, name)
	if crt == nil || key == nil {
		return
	}
	life := crt.NotAfter.Sub(crt.NotBefore)
	wantO := []string(nil)
	if o != "" {
		wantO = []string{o}
	}
	check(kb.Type == "EC PRIVATE KEY", "certs.%s.key is SEC1 EC PRIVATE KEY", name)
	check(samePublic(key.Public(), crt.PublicKey), "certs.%s.key belongs to its certificate", name)
	pub, ok := crt.PublicKey.(*ecdsa.PublicKey)
	check(ok && pub.Curve == elliptic.P256() && crt.SignatureAlgorithm == x509.ECDSAWithSHA256, "certs.%s is ECDSA P-256, signed ECDSA-SHA256", name)
	check(crt.IsCA && crt.BasicConstraintsValid && critical(crt, oidBasicConstraints), "certs.%s: BasicConstraints critical CA:true", name)
	check(crt.KeyUsage == x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature && critical(crt, oidKeyUsage), "certs.%s: KeyUsage critical CertSign|DigitalSignature", name)
	check(slices.Equal(crt.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}), "certs.%s: ExtKeyUsage serverAuth+clientAuth", name)
	check(slices.Equal(crt.Subject.Organization, wantO) && crt.Subject.CommonName == cn, "certs.%s: subject O=%q CN=%q (got %v)", name, o, cn, crt.Subject)
	check(bytes.Equal(crt.RawIssuer, crt.RawSubject) && crt.CheckSignatureFrom(crt) == nil, "certs.%s is self-signed and its signature verifies", name)
	check(len(crt.SubjectKeyId) == 20 && bytes.Equal(crt.AuthorityKeyId, crt.SubjectKeyId), "certs.%s: 20-byte SKID, AKID = SKID", name)
	check(crt.SerialNumber.Sign() > 0 && crt.SerialNumber.BitLen() <= 128, "certs.%s: positive serial of at most 128 bits", name)
	check(life >= 87600*time.Hour && life <= 87600*time.Hour+10*time.Minute && crt.NotBefore.Before(time.Now()), "certs.%s: valid from now for 87600 h (%v)", name, life)
}

func checkClient(kind, bundlePath, configPath string) {
	b := readFlat(bundlePath)
	m := readFlat(configPath)
	raw, _ := os.ReadFile(configPath)
	var ca, crtB64, keyB64, wantO, wantCN, other string
	var wantKU x509.KeyUsage
	var kuName string
	if kind == "talosconfig" {
		ctx := m["context"]
		ca, crtB64, keyB64 = m["contexts."+ctx+".ca"], m["contexts."+ctx+".crt"], m["contexts."+ctx+".key"]
		check(ctx == "castle" && strings.Contains(string(raw), "        endpoints:\n            - 10.5.0.2\n            - 10.5.0.3\n"), "talosconfig: context castle with both endpoints")
		check(ca == b["certs.os.crt"], "talosconfig: ca is the os CA of the bundle")
		wantO, wantCN, wantKU, other = "os:admin", "", x509.KeyUsageDigitalSignature, "certs.k8s.crt"
		kuName = "DigitalSignature"
	} else {
		ca = m["clusters.cluster.certificate-authority-data"]
		crtB64, keyB64 = m["users.user.client-certificate-data"], m["users.user.client-key-data"]
		check(m["clusters.cluster.server"] == "https://10.5.0.10:6443" && m["current-context"] == "admin@castle" &&
			m["contexts.context.user"] == "admin@castle", "kubeconfig: server, user and context as Talos writes them")
		check(ca == b["certs.k8s.crt"], "kubeconfig: certificate-authority-data is the k8s CA of the bundle")
		wantO, wantCN, wantKU, other = "system:masters", "admin", x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment, "certs.os.crt"
		kuName = "DigitalSignature|KeyEncipherment"
	}
	caBlock, _ := pemOf(ca)
	_, crtPEM := pemOf(crtB64)
	_, keyPEM := pemOf(keyB64)
	pair, err := tls.X509KeyPair(crtPEM, keyPEM)
	check(err == nil, "%s: crt and key load as a TLS client pair%s", kind, because(err))
	if err != nil || caBlock == nil {
		return
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	root, _ := x509.ParseCertificate(caBlock.Bytes)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	check(err == nil, "%s: the client certificate verifies to its CA for clientAuth%s", kind, because(err))
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	check(err != nil, "%s: it does not verify for serverAuth", kind)
	ob, _ := pemOf(b[other])
	if ob != nil {
		wrong, _ := x509.ParseCertificate(ob.Bytes)
		pool := x509.NewCertPool()
		pool.AddCert(wrong)
		_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
		check(err != nil, "%s: it does not verify to the bundle's other CA (%s)", kind, other)
	}
	check(slices.Equal(leaf.Subject.Organization, []string{wantO}) && leaf.Subject.CommonName == wantCN, "%s: subject O=%s CN=%q (got %v)", kind, wantO, wantCN, leaf.Subject)
	check(leaf.KeyUsage == wantKU && slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}), "%s: KeyUsage %s, ExtKeyUsage exactly clientAuth", kind, kuName)
	check(!leaf.IsCA && bytes.Equal(leaf.AuthorityKeyId, root.SubjectKeyId), "%s: not a CA; AKID is the CA's SKID", kind)
	check(bytes.Equal(leaf.RawIssuer, root.RawSubject), "%s: issuer is the CA's subject, byte for byte", kind)
	life := leaf.NotAfter.Sub(leaf.NotBefore)
	check(life >= 365*24*time.Hour && life <= 365*24*time.Hour+10*time.Minute, "%s: valid for a year (%v)", kind, life)
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	check(ok && pub.Curve == elliptic.P256(), "%s: the client key is ECDSA P-256", kind)
}

// --- the fixture, made as talosctl gen secrets makes a bundle

func randToken(n int) string {
	const abc = "0123456789abcdefghijklmnopqrstuvwxyz"
	out := make([]byte, 0, n)
	for len(out) < n {
		var b [1]byte
		rand.Read(b[:])
		if b[0] < 252 {
			out = append(out, abc[int(b[0])%36])
		}
	}
	return string(out)
}

func rand32(enc *base64.Encoding) string {
	b := make([]byte, 32)
	rand.Read(b)
	return enc.EncodeToString(b)
}

// selfSigned follows siderolabs/crypto NewSelfSignedCertificateAuthority:
// only Organization goes into the subject (so the aggregator CA, asked
// for CN=front-proxy, really has an empty subject).
func selfSigned(o string, key crypto.Signer) string {
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	skid := make([]byte, 20)
	rand.Read(skid)
	now := time.Now()
	var subject pkix.Name
	if o != "" {
		subject.Organization = []string{o}
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: subject, SubjectKeyId: skid,
		NotBefore: now, NotAfter: now.Add(87600 * time.Hour),
		BasicConstraintsValid: true, IsCA: true,
		KeyUsage:    x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return b64pem("CERTIFICATE", der)
}

func b64pem(label string, der []byte) string {
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: label, Bytes: der}))
}

func ecPair(o string) (string, string) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(k)
	return selfSigned(o, k), b64pem("EC PRIVATE KEY", der)
}

func edPair(o string) (string, string) {
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	return selfSigned(o, k), b64pem("ED25519 PRIVATE KEY", der)
}

func fixture(dir string) {
	sa, _ := rsa.GenerateKey(rand.Reader, 4096)
	saKey := b64pem("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(sa))
	etcdC, etcdK := ecPair("etcd")
	k8sC, k8sK := ecPair("kubernetes")
	aggC, aggK := ecPair("")
	head := fmt.Sprintf("cluster:\n    id: %s\n    secret: %s\nsecrets:\n    bootstraptoken: %s.%s\n"+
		"    secretboxencryptionsecret: %s\ntrustdinfo:\n    token: %s.%s\ncerts:\n",
		rand32(base64.URLEncoding), rand32(base64.StdEncoding), randToken(6), randToken(16),
		rand32(base64.StdEncoding), randToken(6), randToken(16))
	pair := func(name, crt, key string) string {
		return fmt.Sprintf("    %s:\n        crt: %s\n        key: %s\n", name, crt, key)
	}
	body := pair("etcd", etcdC, etcdK) + pair("k8s", k8sC, k8sK) + pair("k8saggregator", aggC, aggK) +
		fmt.Sprintf("    k8sserviceaccount:\n        key: %s\n", saKey)
	edC, edK := edPair("talos")
	ecC, ecK := ecPair("talos")
	for name, os_ := range map[string]string{"talosctl-ed25519.yaml": pair("os", edC, edK), "talosctl-ecdsa.yaml": pair("os", ecC, ecK)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(head+body+os_), 0o600); err != nil {
			panic(err)
		}
	}
}
