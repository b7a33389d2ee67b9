#!/usr/bin/env bash
# The operator's host commands, run from the real static binary.
set -uo pipefail
bin=${1:?usage: tests/cli.sh BUILDDIR}/castellan
fix=tests/fixtures
pass=0 fail=0
ok()  { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1"; fail=$((fail + 1)); }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

file "$bin" | grep -q 'statically linked' && ok "binary is statically linked" || bad "binary is statically linked"
out=$("$bin" version) && echo "$out" | grep -q 'BearSSL' && echo "$out" | grep -q 'libyaml 0.2.5' \
  && ok "version names its libraries" || bad "version names its libraries: $out"
echo "$out" | grep -qi 'nghttp2\|openssl\|gnutls\|zlib' && bad "links nothing beyond the four libraries: $out" \
  || ok "links nothing beyond the four libraries"

out=$("$bin" check "$fix/user-data.yaml" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^cluster castle: 3 control planes, 2 workers' \
  && ok "check accepts the sample description" || bad "check accepts the sample description (rc $rc): $out"

sed 's/ip: 10.0.0.12/ip: 10.0.0.300/' "$fix/user-data.yaml" > "$tmp/bad.yaml"
out=$("$bin" check "$tmp/bad.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] && [ "$out" = 'castellan: castellan.cluster.nodes[1].ip: "10.0.0.300" is not an IPv4 address' ] \
  && ok "check refuses a bad address in one sentence" || bad "check refuses a bad address (rc $rc): $out"

out=$("$bin" check "$tmp/missing.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'No such file' && ok "check names a missing file" || bad "check names a missing file: $out"
"$bin" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown command is a usage error" || bad "unknown command is a usage error"

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
