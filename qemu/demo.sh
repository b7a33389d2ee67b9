#!/usr/bin/env bash
# Boots the appliance ISO in QEMU (TCG, BIOS, user networking) on the sample
# description in qemu/sample/, with its console live on this terminal, and
# prints the wall time from QEMU start to exit.
#
#   qemu/demo.sh BUILDDIR        (make demo)
#
# The ISO is the demo image (make demo-image: a throwaway key in
# BUILDDIR/demo/identity.key); the sample's identity is sealed to that key
# when the seed is built. Infisical and Proxmox are the twins, run on this
# host for the length of the demo (qemu/twin.sh); the simulated Talos nodes
# answer on QEMU's user network (qemu/run.sh --answer). Console and JSON
# log are kept in BUILDDIR/demo/. CASTELLAN_DEMO_TIMEOUT (seconds, default
# 1500) bounds the run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "demo: error: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: qemu/demo.sh BUILDDIR"
b=$1
[ -f "$b/castellan.iso" ] || die "no $b/castellan.iso (run make image)"
out=$b/demo
mkdir -p "$out" || die "cannot create $out"

# The twins stand in for Infisical and Proxmox (qemu/twin.sh).
. "$here/twin.sh"
twin_start "$(dirname "$here")" "$b" "$out/twin" || die "the Infisical twin did not start"
trap 'kill $TWIN_PID 2>/dev/null; wait $TWIN_PID 2>/dev/null' EXIT
twin_fixture "$here/sample" "$out/sample" || die "cannot point the sample at the twin"
"$here/mkseed.sh" "$out/sample" "$out/seed.iso" "$b"
echo "demo: booting $b/castellan.iso with qemu/sample against the Infisical and Proxmox twins"
echo "demo: (TCG, no KVM: expect minutes; most of it is the cluster's new RSA-4096 key)"
echo "demo: console also in $out/console.log, JSON events in $out/events.jsonl"
start=$(date +%s.%N)
rc=0
mapfile -t answers < <(twin_answers "$out/sample/user-data")
"$here/run.sh" --iso "$b/castellan.iso" --seed "$out/seed.iso" --net "${answers[@]}" \
	--console "$out/console.log" --json "$out/events.jsonl" \
	--timeout "${CASTELLAN_DEMO_TIMEOUT:-1500}" || rc=$?
end=$(date +%s.%N)
echo
awk -v s="$start" -v e="$end" -v rc="$rc" \
	'BEGIN { printf "demo: wall time %.1f s, QEMU exit status %d\n", e - s, rc }'
exit "$rc"
