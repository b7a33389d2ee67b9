package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

func TestServerCertificate(t *testing.T) {
	ca, cfg, err := ServerTLS("10.0.2.2", "extra.twin")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(ca.CertPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatal("ca.pem is not a PEM certificate")
	}
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !caCert.IsCA || caCert.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Fatalf("CA: %v %v", caCert, err)
	}
	leaf := cfg.Certificates[0].Leaf
	if pub, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Error("server key is not ECDSA P-256")
	}
	if leaf.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("signature %v", leaf.SignatureAlgorithm)
	}
	for _, h := range []string{"infisical.twin", "pve.twin", "localhost", "127.0.0.1", "10.0.2.2", "extra.twin"} {
		opts := x509.VerifyOptions{Roots: ca.Pool(), DNSName: h, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
		if _, err := leaf.Verify(opts); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	if err := leaf.VerifyHostname("other.twin"); err == nil {
		t.Error("verifies for a name it does not carry")
	}
	if cfg.MinVersion != tls.VersionTLS12 {
		t.Error("MinVersion is not TLS 1.2")
	}
}

// A TLS 1.2 client restricted to each ECDHE-ECDSA AEAD suite (BearSSL's
// set) completes a handshake; a TLS 1.1 client does not.
func TestTLS12Suites(t *testing.T) {
	ca, cfg, err := ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake(); c.Close() }()
		}
	}()
	for _, suite := range CipherSuites {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
			RootCAs: ca.Pool(), ServerName: "infisical.twin",
			MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite},
			CurvePreferences: []tls.CurveID{tls.CurveP256},
		})
		if err != nil {
			t.Errorf("%s: %v", tls.CipherSuiteName(suite), err)
			continue
		}
		if st := c.ConnectionState(); st.Version != tls.VersionTLS12 || st.CipherSuite != suite {
			t.Errorf("negotiated %x %x", st.Version, st.CipherSuite)
		}
		c.Close()
	}
	if c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", MaxVersion: tls.VersionTLS11}); err == nil {
		c.Close()
		t.Error("TLS 1.1 accepted")
	}
}
