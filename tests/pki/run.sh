#!/usr/bin/env bash
# init/x509.c and init/talos_bundle.c judged by the real tools: openssl and
# Go's crypto/x509 (what Talos, talosctl and kubectl use) read the bundle,
# talosconfig and kubeconfig castellan makes; castellan reads a bundle made
# the way `talosctl gen secrets` makes one, and refuses to issue a
# talosconfig from its Ed25519 os CA.
# Usage: tests/pki/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/pki/run.sh BUILDDIR}
suite=pki
t=$(mktemp -d)
. tests/lib.sh
trap 'rm -rf "$t"' EXIT
command -v openssl >/dev/null || give_up "openssl is installed"
command -v go >/dev/null || give_up "go is installed"

# The driver links the modules as the unit tests build them (host gcc,
# AddressSanitizer), so the real tools exercise the sanitized code.
objs=()
for m in talos_bundle textbuf wipe x509 der base64 arena err; do objs+=("$b/unit/obj/$m.o"); done
make --no-print-directory B="$b" "${objs[@]}" > "$t/make.log" 2>&1 || { cat "$t/make.log"; give_up "the PKI modules build"; }
deps=$(scripts/build-deps.sh --dir)
gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
  -Iinit -I"$deps/host/include" tests/pki/driver.c "${objs[@]}" -L"$deps/host/lib" -lbearssl \
  -o "$b/pki-driver" 2> "$t/cc.log" || { cat "$t/cc.log"; give_up "tests/pki/driver.c builds"; }
(cd tests/pki/x509check && go build -o "$OLDPWD/$b/x509check" .) || give_up "tests/pki/x509check builds"
drv=$b/pki-driver chk=$b/x509check

# yget FILE PATH: the value at a dotted path of block-style YAML.
yget() {
  awk -v want="$2" '{
    match($0, /^ */); ind = RLENGTH; line = substr($0, ind + 1)
    if (line == "" || line ~ /^- / || index(line, ":") == 0) next
    c = index(line, ":"); key = substr(line, 1, c - 1); val = substr(line, c + 1); sub(/^ +/, "", val)
    while (n > 0 && inds[n] >= ind) n--
    n++; inds[n] = ind; keys[n] = key
    p = keys[1]; for (i = 2; i <= n; i++) p = p "." keys[i]
    if (p == want) { print val; exit }
  }' "$1"
}
# pem_of FILE PATH OUT: the PEM text behind a base64 value.
pem_of() { yget "$1" "$2" | base64 -d > "$3" 2>/dev/null && [ -s "$3" ]; }
# go_check ARGS...: runs x509check; each PASS/FAIL line counts as a check.
go_check() {
  local word what rc
  "$chk" "$@" > "$t/go.out" 2>&1; rc=$?
  while read -r word what; do
    if [ "$word" = PASS ]; then ok "go: $what"; else bad "go: $word $what"; fi
  done < "$t/go.out"
  [ "$rc" -eq 0 ] || grep -q '^FAIL' "$t/go.out" || bad "x509check $1 exited $rc"
}
# ext CERT NAME: the lines of one extension in openssl's text form.
ext() { openssl x509 -in "$1" -noout -text | grep -A1 "X509v3 $2"; }
keyid() { openssl x509 -in "$1" -noout -ext "$2" | sed -n '2s/^ *//p' | sed 's/^keyid://'; }
same_pub() { cmp -s <(openssl pkey -in "$1" -pubout 2>/dev/null) <(openssl x509 -in "$2" -noout -pubkey); }

# --- a bundle castellan generates (Talos 1.14's id alphabet), and the
# credentials it issues from it
g=$t/gen
mkdir "$g"
if "$drv" gen "$g" std 2> "$t/gen.err"; then
  ok "castellan generates a bundle, reads it back, issues a talosconfig and a kubeconfig"
else
  cat "$t/gen.err"; give_up "castellan generates a bundle"
fi

for ca in etcd k8s k8saggregator os; do
  pem_of "$g/secrets.yaml" "certs.$ca.crt" "$g/$ca.crt" && pem_of "$g/secrets.yaml" "certs.$ca.key" "$g/$ca.key" ||
    bad "certs.$ca crt and key are base64 of PEM"
done
pem_of "$g/secrets.yaml" certs.k8sserviceaccount.key "$g/sa.key" || bad "the service-account key is base64 of PEM"

check_ca() {  # check_ca NAME SUBJECT
  local c=$g/$1.crt k=$g/$1.key
  [ "$(openssl x509 -in "$c" -noout -subject)" = "subject=$2" ] && ok "$1 CA: subject $2" ||
    bad "$1 CA: subject $2 (got $(openssl x509 -in "$c" -noout -subject))"
  ext "$c" 'Key Usage: critical' | grep -q 'Digital Signature, Certificate Sign$' &&
    ok "$1 CA: KeyUsage critical, DigitalSignature + CertSign" || bad "$1 CA: KeyUsage"
  ext "$c" 'Extended Key Usage' | grep -q 'TLS Web Server Authentication, TLS Web Client Authentication$' &&
    ok "$1 CA: ExtKeyUsage serverAuth + clientAuth" || bad "$1 CA: ExtKeyUsage"
  ext "$c" 'Basic Constraints: critical' | grep -q 'CA:TRUE' && ok "$1 CA: BasicConstraints critical CA:TRUE" ||
    bad "$1 CA: BasicConstraints"
  [ -n "$(keyid "$c" subjectKeyIdentifier)" ] && [ "$(keyid "$c" subjectKeyIdentifier)" = "$(keyid "$c" authorityKeyIdentifier)" ] &&
    [ "$(keyid "$c" subjectKeyIdentifier | tr -cd : | wc -c)" = 19 ] &&
    ok "$1 CA: 20-byte SKID, AKID = SKID" || bad "$1 CA: SKID/AKID"
  openssl x509 -in "$c" -noout -text | grep -q 'Signature Algorithm: ecdsa-with-SHA256' &&
    ok "$1 CA: signed ecdsa-with-SHA256" || bad "$1 CA: signature algorithm"
  openssl x509 -in "$c" -noout -checkend $((87600 * 3600 - 3600)) >/dev/null &&
    ! openssl x509 -in "$c" -noout -checkend $((87600 * 3600 + 3600)) >/dev/null &&
    ok "$1 CA: valid for 87600 hours" || bad "$1 CA: validity $(openssl x509 -in "$c" -noout -dates | tr '\n' ' ')"
  openssl verify -CAfile "$c" "$c" >/dev/null 2>&1 && ok "$1 CA: openssl verifies it as a self-signed root" ||
    bad "$1 CA: openssl verify"
  [ "$(head -1 "$k")" = "-----BEGIN EC PRIVATE KEY-----" ] && openssl ec -in "$k" -check -noout >/dev/null 2>&1 &&
    openssl pkey -in "$k" -check -noout >/dev/null 2>&1 && same_pub "$k" "$c" &&
    ok "$1 CA: SEC1 key passes openssl ec -check and pkey -check, and is the certificate's" || bad "$1 CA: key"
}
check_ca etcd "O = etcd"
check_ca k8s "O = kubernetes"
check_ca k8saggregator "CN = front-proxy"
check_ca os "O = talos"
[ "$(head -1 "$g/sa.key")" = "-----BEGIN RSA PRIVATE KEY-----" ] && openssl rsa -in "$g/sa.key" -check -noout >/dev/null 2>&1 &&
  openssl rsa -in "$g/sa.key" -noout -text 2>/dev/null | head -1 | grep -q '(4096 bit' &&
  ok "service-account key: PKCS#1 RSA-4096, openssl rsa -check passes" || bad "service-account key"

check_client() {  # check_client NAME CRT KEY CA WRONG-CA SUBJECT KEYUSAGE
  local n=$1 c=$2 k=$3
  openssl verify -CAfile "$4" -purpose sslclient "$c" >/dev/null 2>&1 && ok "$n: openssl verifies it to its CA as a TLS client" ||
    bad "$n: openssl verify -purpose sslclient"
  openssl verify -CAfile "$5" "$c" >/dev/null 2>&1 && bad "$n: verifies to the wrong CA" || ok "$n: openssl refuses it under the wrong CA"
  openssl verify -CAfile "$4" -purpose sslserver "$c" >/dev/null 2>&1 && bad "$n: verifies as a TLS server" ||
    ok "$n: openssl refuses it as a TLS server"
  [ "$(openssl x509 -in "$c" -noout -subject)" = "subject=$6" ] && ok "$n: subject $6" ||
    bad "$n: subject $6 (got $(openssl x509 -in "$c" -noout -subject))"
  ext "$c" 'Key Usage: critical' | grep -q "$7\$" && ok "$n: KeyUsage critical, $7" || bad "$n: KeyUsage"
  ext "$c" 'Extended Key Usage' | sed -n 2p | grep -qx ' *TLS Web Client Authentication' && ok "$n: ExtKeyUsage exactly clientAuth" ||
    bad "$n: ExtKeyUsage"
  ext "$c" 'Basic Constraints: critical' | grep -q 'CA:FALSE' && ok "$n: BasicConstraints critical CA:FALSE" || bad "$n: BasicConstraints"
  [ "$(keyid "$c" authorityKeyIdentifier)" = "$(keyid "$4" subjectKeyIdentifier)" ] && ok "$n: AKID is the CA's SKID" || bad "$n: AKID"
  openssl x509 -in "$c" -noout -checkend $((364 * 86400)) >/dev/null && ! openssl x509 -in "$c" -noout -checkend $((366 * 86400)) >/dev/null &&
    ok "$n: valid for a year" || bad "$n: validity"
  openssl ec -in "$k" -check -noout >/dev/null 2>&1 && same_pub "$k" "$c" && ok "$n: its EC key is valid and matches" || bad "$n: key"
}
yget "$g/talosconfig" contexts.castle.ca | base64 -d > "$g/tc.ca"
pem_of "$g/talosconfig" contexts.castle.crt "$g/tc.crt" && pem_of "$g/talosconfig" contexts.castle.key "$g/tc.key"
cmp -s "$g/tc.ca" "$g/os.crt" && ok "talosconfig: its ca is the bundle's os CA" || bad "talosconfig: ca"
check_client talosconfig "$g/tc.crt" "$g/tc.key" "$g/os.crt" "$g/k8s.crt" "O = os:admin" "Digital Signature"
sed -n 's/^ *client-certificate-data: //p' "$g/kubeconfig" | base64 -d > "$g/kc.crt"
sed -n 's/^ *client-key-data: //p' "$g/kubeconfig" | base64 -d > "$g/kc.key"
sed -n 's/^ *certificate-authority-data: //p' "$g/kubeconfig" | base64 -d | cmp -s - "$g/k8s.crt" &&
  ok "kubeconfig: its certificate-authority-data is the bundle's k8s CA" || bad "kubeconfig: CA"
check_client kubeconfig "$g/kc.crt" "$g/kc.key" "$g/k8s.crt" "$g/os.crt" "O = system:masters, CN = admin" \
  "Digital Signature, Key Encipherment"

go_check bundle "$g/secrets.yaml" std
go_check talosconfig "$g/secrets.yaml" "$g/talosconfig"
go_check kubeconfig "$g/secrets.yaml" "$g/kubeconfig"

# --- a bundle laid out and keyed as talosctl gen secrets makes it (by Go):
# Ed25519 os CA (or ECDSA), an aggregator CA with an empty subject, RSA-4096
# service-account key, URL-safe cluster id
f=$t/fx
mkdir "$f"
"$chk" fixture "$f" || give_up "x509check writes the talosctl-style fixtures"
[ "$("$drv" parse "$f/talosctl-ed25519.yaml" 2>&1)" = ok ] && ok "castellan reads a talosctl-made bundle with an Ed25519 os CA" ||
  bad "castellan reads the Ed25519 fixture: $("$drv" parse "$f/talosctl-ed25519.yaml" 2>&1)"
"$drv" yaml "$f/talosctl-ecdsa.yaml" | cmp -s - "$f/talosctl-ecdsa.yaml" &&
  ok "castellan writes a talosctl-made bundle back byte for byte" || bad "castellan rewrites the fixture differently"
if "$drv" talosconfig "$f/talosctl-ed25519.yaml" "$f/tc" 2> "$t/ed.err"; then
  bad "a talosconfig from an Ed25519 os CA is refused"
else
  grep -q '^secrets bundle: certs.os is an Ed25519 CA .*castellan cannot sign with Ed25519' "$t/ed.err" && [ "$(wc -l < "$t/ed.err")" = 1 ] &&
    ok "a talosconfig from an Ed25519 os CA is refused in one sentence" || bad "Ed25519 refusal: $(cat "$t/ed.err")"
fi
"$drv" kubeconfig "$f/talosctl-ed25519.yaml" "$f/kubeconfig" 2> "$t/kc.err" && ok "a kubeconfig from the Ed25519 bundle's k8s CA" ||
  bad "kubeconfig from the fixture: $(cat "$t/kc.err")"
go_check kubeconfig "$f/talosctl-ed25519.yaml" "$f/kubeconfig"
"$drv" talosconfig "$f/talosctl-ecdsa.yaml" "$f/talosconfig" 2> "$t/tc.err" && ok "a talosconfig from a Go-made ECDSA os CA" ||
  bad "talosconfig from the ECDSA fixture: $(cat "$t/tc.err")"
go_check talosconfig "$f/talosctl-ecdsa.yaml" "$f/talosconfig"
pem_of "$f/talosctl-ecdsa.yaml" certs.os.crt "$f/os.crt" && pem_of "$f/talosconfig" contexts.castle.crt "$f/tc.crt" &&
  openssl verify -CAfile "$f/os.crt" -purpose sslclient "$f/tc.crt" >/dev/null 2>&1 &&
  ok "openssl verifies that talosconfig to the Go-made os CA" || bad "openssl verify, fixture talosconfig"

# a wrong PEM label is named, and no value is quoted
key=$(yget "$f/talosctl-ecdsa.yaml" certs.os.key)
awk -v k="$key" '/^        crt: / && done == 0 && prev ~ /os:$/ { print "        crt: " k; done = 1; next } { print; prev = $0 }' \
  "$f/talosctl-ecdsa.yaml" > "$f/bad.yaml"
out=$("$drv" parse "$f/bad.yaml" 2>&1)
[ "$out" = 'secrets bundle: certs.os.crt: a PEM block labelled "EC PRIVATE KEY", expected CERTIFICATE' ] &&
  ok "a key where the os certificate belongs is refused, naming certs.os.crt" || bad "wrong label: $out"
sed '/^trustdinfo:/,+1d' "$f/talosctl-ecdsa.yaml" > "$f/bad.yaml"
out=$("$drv" parse "$f/bad.yaml" 2>&1)
[ "$out" = "secrets bundle: trustdinfo.token is required" ] && ok "a bundle without trustdinfo is refused, naming trustdinfo.token" ||
  bad "missing field: $out"

finish
