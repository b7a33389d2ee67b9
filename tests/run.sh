#!/usr/bin/env bash
# Runs every suite and ends with one line that counts them all.
# Usage: tests/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/run.sh BUILDDIR}
log=$(mktemp); trap 'rm -f "$log"' EXIT
# Go comes with this kind of machine in /usr/local/go; a bare PATH may miss it.
command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH=$PATH:/usr/local/go/bin
status=0

run() {  # run NAME COMMAND...: streams the output, keeps it for the count
  echo "== $1"
  shift
  "$@" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}

run unit make --no-print-directory unit
run cli tests/cli.sh "$b"
run age tests/age/run.sh "$b"
run iso tests/iso/run.sh "$b"
run pki tests/pki/run.sh "$b"
run fuzz tests/fuzz/run.sh "$b"
run twin tests/twin/run.sh
run infisical tests/infisical/run.sh "$b"
run tls tests/tls/run.sh "$b"
run proxmox tests/proxmox/run.sh "$b"
run deliver tests/proxmox/deliver.sh "$b"
run talos tests/talos/run.sh "$b"
run render tests/render/run.sh "$b"
run boot tests/boot/run.sh "$b"

read -r p f < <(grep -E '^[a-z ]+: [0-9]+ passed, [0-9]+ failed$' "$log" |
  sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' |
  awk '{p += $1; f += $2} END {print p + 0, f + 0}')
[ "$status" -eq 0 ] || [ "$f" -gt 0 ] || f=$((f + 1))   # a suite died without counting
echo "all: $p passed, $f failed"
exit $status
