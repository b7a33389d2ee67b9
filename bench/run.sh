#!/usr/bin/env bash
# Sizes and boot time of the appliance, next to a bare hello-world static
# init booted on the same kernel the same way, so the numbers say what
# castellan itself costs on top of firmware, GRUB and the kernel.
#
#   bench/run.sh BUILDDIR        (make bench)
#
# Boot time: QEMU start to exit (the guest powering off), TCG, BIOS, the
# sample seed and user networking (as make demo), median of 3, twice:
#   ISO     the real path: SeaBIOS, GRUB, the bzImage decompressing itself
#   PVH     the uncompressed vmlinux and the initramfs given to QEMU directly
# The two inits take turns, so a busy machine slows both alike.
# Reports, never asserts. The hello init and its images go to BUILDDIR/bench/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
die() { echo "bench: error: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: bench/run.sh BUILDDIR"
b=$1 out=$1/bench
for f in castellan initramfs.cpio.gz castellan.iso; do
	[ -f "$b/$f" ] || die "no $b/$f (run make image)"
done
[ "$(id -u)" -eq 0 ] || die "must run as root: the hello initramfs needs a real /dev/console node"
mkdir -p "$out" || die "cannot create $out"
tmp=$(mktemp -d) || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap cleans up

kdir=$("$repo/scripts/kernel.sh" | tail -n1) || die "scripts/kernel.sh failed"

# --- the bare init: say hello, power off. Nothing else.
cat >"$out/hello.c" <<'EOF'
#include <sys/reboot.h>
#include <unistd.h>
int main(void)
{
	static const char msg[] = "hello: bare static init, powering off\n";
	write(1, msg, sizeof msg - 1);
	sync();
	reboot(RB_POWER_OFF);
	return 1;
}
EOF
musl-gcc -static -Os -o "$out/hello" "$out/hello.c" || die "musl-gcc failed on $out/hello.c"
strip "$out/hello" || die "strip $out/hello failed"
mkdir -p "$tmp/root/dev"
cp "$out/hello" "$tmp/root/init"
mknod -m 600 "$tmp/root/dev/console" c 5 1 || die "mknod /dev/console failed"
(cd "$tmp/root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --reproducible --quiet | gzip -9 -n) \
	>"$out/hello.cpio.gz" || die "cpio/gzip failed for the hello initramfs"
"$repo/image/build.sh" --iso "$out/hello.cpio.gz" "$out/hello.iso"
"$repo/qemu/mkseed.sh" "$repo/qemu/sample" "$out/seed.iso" "$b"

# boot_time NAME RUN-ARGS...: seconds from QEMU start to exit; a trailing
# "!" when the guest did not power off by itself.
boot_time() {
	local name=$1 s e rc=0 mark=
	shift
	s=$(date +%s.%N)
	"$repo/qemu/run.sh" --quiet --console "$out/$name.console" --seed "$out/seed.iso" --net \
		--timeout 600 "$@" </dev/null || rc=$?
	e=$(date +%s.%N)
	[ "$rc" = 0 ] && grep -q 'reboot: Power down' "$out/$name.console" || mark='!'
	awk -v s="$s" -v e="$e" -v m="$mark" 'BEGIN { printf "%.2f%s", e - s, m }'
}
median() { printf '%s\n' "$@" | tr -d '!' | sort -n | sed -n 2p; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

declare -A runs=()
for i in 1 2 3; do
	echo "bench: boot round $i of 3 (4 boots under TCG)" >&2
	runs[iso_c]+=" $(boot_time iso-castellan-$i --iso "$b/castellan.iso")"
	runs[iso_h]+=" $(boot_time iso-hello-$i --iso "$out/hello.iso")"
	runs[pvh_c]+=" $(boot_time pvh-castellan-$i --kernel "$kdir/vmlinux" --initrd "$b/initramfs.cpio.gz")"
	runs[pvh_h]+=" $(boot_time pvh-hello-$i --kernel "$kdir/vmlinux" --initrd "$out/hello.cpio.gz")"
done

# castellan render on the host, offline (tests/fixtures: 3 control planes,
# 2 workers): mostly the new bundle's RSA-4096 key, a random prime search.
renders=
for i in 1 2 3; do
	rm -rf "$out/render"
	s=$(date +%s.%N)
	"$b/castellan" render "$repo/tests/fixtures/user-data.yaml" --out "$out/render" --reveal >/dev/null ||
		die "castellan render failed"
	e=$(date +%s.%N)
	renders+=" $(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.2f", e - s }')"
done

size() { stat -c %s "$1"; }
row() { printf '  %-30s %12s %12s %8s\n' "$@"; }

echo
echo "castellan bench: kernel $(cat "$kdir/version"), QEMU TCG (no KVM), 1 vCPU, $(nproc) host cores"
echo
row "size (bytes)" castellan hello ratio
for p in "castellan hello init binary" "initramfs.cpio.gz hello.cpio.gz initramfs" "castellan.iso hello.iso ISO"; do
	read -r c h label <<<"$p"
	row "$label" "$(size "$b/$c")" "$(size "$out/$h")" "$(ratio "$(size "$b/$c")" "$(size "$out/$h")")"
done
echo
row "boot to power-off (s, median)" castellan hello ratio
for p in "iso ISO: BIOS, GRUB, bzImage" "pvh direct: PVH vmlinux"; do
	read -r k label <<<"$p"
	# shellcheck disable=SC2086 # the runs are space-separated on purpose
	c=$(median ${runs[${k}_c]}) h=$(median ${runs[${k}_h]})
	row "$label" "$c" "$h" "$(ratio "$c" "$h")"
done
echo
# shellcheck disable=SC2086
echo "  render, host, 5 nodes (s, median of 3): $(median $renders) (runs:$renders)"
echo "  machine config (bytes): control plane $(size "$out/render/cp1.yaml"), worker $(size "$out/render/w1.yaml");" \
	"cidata ISO: $(size "$out/render/cp1.iso")"
echo
echo "  runs (s): ISO castellan${runs[iso_c]}, hello${runs[iso_h]}"
echo "            PVH castellan${runs[pvh_c]}, hello${runs[pvh_h]}"
case "${runs[*]}" in
*'!'*) echo "  ! = the guest did not power off by itself: see $out/*.console" ;;
esac
