#!/usr/bin/env bash
# Certificate pinning and CA trust through init/tlspin.c, against real TLS
# servers: the twin (ECDSA P-256) and openssl s_server with an RSA key like
# a Proxmox node's own certificate. The pin castellan computes must equal
# openssl's SPKI SHA-256. Usage: tests/tls/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/tls/run.sh BUILDDIR}
suite=tls
t=$(mktemp -d)
. tests/lib.sh
trap 'kill ${pids:-} 2>/dev/null; twin_down; rm -rf "$t"' EXIT
link_driver tests/tls/pinget.c "$b/pinget"
get() { "$b/pinget" "$@" 2>&1; }
other=0000000000000000000000000000000000000000000000000000000000000000

# --- the twin: ECDSA P-256, its own CA
twin_up
url=https://pve.twin:$port/api/status res=pve.twin:$port:127.0.0.1
pin=$(spki_of "127.0.0.1:$port" pve.twin)
[ "$(get "$url" "$res" - "$pin")" = "HTTP 200" ] && ok "ECDSA: the right pin alone is trusted" || bad "ECDSA pin alone: $(get "$url" "$res" - "$pin")"
out=$(get "$url" "$res" - "$other")
grep -q "public key SHA-256 is $pin, but castellan.proxmox.pin_sha256 is $other" <<<"$out" &&
  ok "ECDSA: a wrong pin is refused, naming both fingerprints (castellan's equals openssl's)" || bad "ECDSA wrong pin: $out"
[ "$(get "$url" "$res" "$t/twin/ca.pem" -)" = "HTTP 200" ] && ok "the CA alone is trusted" || bad "CA alone"
[ "$(get "$url" "$res" "$t/twin/ca.pem" "$pin")" = "HTTP 200" ] && ok "CA and the right pin together" || bad "CA and pin"
out=$(get "$url" "$res" "$t/twin/ca.pem" "$other")
grep -q "refusing to talk to it" <<<"$out" && ok "a valid chain with a wrong pin is still refused" || bad "CA + wrong pin: $out"
out=$(get "$url" "$res" - -)
grep -q '^refused: ' <<<"$out" && ok "no CA and no pin: refused (the system bundle does not know the twin)" || bad "no CA, no pin: $out"
out=$(get "https://localhost:$port/api/status" "localhost:$port:127.0.0.1" "$t/twin/ca.pem" -)
[ "$out" = "HTTP 200" ] && ok "a DNS name in the certificate matches" || bad "localhost name: $out"
out=$(get "https://wrong.name:$port/api/status" "wrong.name:$port:127.0.0.1" "$t/twin/ca.pem" -)
grep -q '^refused: ' <<<"$out" && ok "a name the certificate lacks is refused in CA mode" || bad "wrong name: $out"

# --- openssl s_server: RSA 2048, self-signed, as a fresh Proxmox node has
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$t/rsa.key" -out "$t/rsa.pem" -days 2 \
  -subj /CN=pve1 -addext subjectAltName=DNS:pve1 2>/dev/null
rport=$((20000 + RANDOM % 20000))
openssl s_server -accept "127.0.0.1:$rport" -tls1_2 -cert "$t/rsa.pem" -key "$t/rsa.key" -www -quiet 2>/dev/null &
pids=$!
for _ in $(seq 50); do openssl s_client -connect "127.0.0.1:$rport" </dev/null >/dev/null 2>&1 && break; sleep 0.1; done
rpin=$(openssl x509 -in "$t/rsa.pem" -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
out=$(get "https://pve1:$rport/" "pve1:$rport:127.0.0.1" - "$rpin")
[ "$out" = "HTTP 200" ] && ok "RSA: the right pin alone is trusted" || bad "RSA pin alone: $out"
out=$(get "https://pve1:$rport/" "pve1:$rport:127.0.0.1" - "$other")
grep -q "public key SHA-256 is $rpin" <<<"$out" && ok "RSA: a wrong pin is refused, naming the served key's pin" || bad "RSA wrong pin: $out"

finish
