#!/usr/bin/env bash
# The twin's own tests, including the official Infisical Go SDK
# (tests/twin/sdkcheck) and the go-proxmox client library (tests/twin/pvecheck)
# run against it, so the twin cannot drift from the real APIs.
set -uo pipefail
cd "$(dirname "$0")"
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH=$PATH:/usr/local/go/bin
log=$(mktemp); trap 'rm -f "$log"' EXIT
go test -count=1 -v ./... > "$log" 2>&1
rc=$?
grep -E '^(--- FAIL|FAIL|ok|panic)' "$log"
[ $rc -eq 0 ] || tail -60 "$log"
p=$(grep -c '^--- PASS' "$log"); f=$(grep -c '^--- FAIL' "$log")
[ $rc -eq 0 ] || [ "$f" -gt 0 ] || f=1
echo "twin: $p passed, $f failed"
[ $rc -eq 0 ]
