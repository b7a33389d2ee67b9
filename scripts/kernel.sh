#!/usr/bin/env bash
# Fetches Debian 12's kernel (the current dependency of linux-image-amd64)
# into the cache and prints the directory holding it, on the last line:
#
#   DIR/version         e.g. 6.1.0-57-amd64
#   DIR/vmlinuz         the bzImage (what the ISO boots)
#   DIR/vmlinux         the uncompressed ELF: QEMU boots it through PVH, which
#                       skips the in-guest XZ decompression (~2x faster on TCG)
#   DIR/root/lib/modules/VERSION/   every module, with depmod's modules.dep
#
# Nothing is installed on the machine. Keyed by kernel version, so a second
# call only asks apt-cache which version is current.
set -euo pipefail

die() { echo "kernel: error: $*" >&2; exit 1; }
log() { echo "kernel: $*" >&2; }

cache=${CASTELLAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/castellan}
mkdir -p "$cache" || die "cannot create cache directory $cache"

# Which linux-image-6.1.0-NN-amd64 the meta-package points at today.
resolve() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}
# apt-cache takes ~1 s here (no pkgcache.bin), so the answer is memoized
# until apt's lists change (apt-get update touches their directory).
memo=$cache/kernel.current
lists=/var/lib/apt/lists
pkg=
if [ -s "$memo" ] && [ "$memo" -nt "$lists" ]; then pkg=$(cat "$memo"); fi
[ -n "$pkg" ] || pkg=$(resolve)
if [ -z "$pkg" ]; then
	log "linux-image-amd64 unknown to apt, running apt-get update"
	apt-get update -q >&2 || die "apt-get update failed"
	pkg=$(resolve)
	[ -n "$pkg" ] || die "apt-cache cannot resolve linux-image-amd64 (is deb.debian.org bookworm in the apt sources?)"
fi
echo "$pkg" >"$memo.$$" && mv "$memo.$$" "$memo" || die "cannot write $memo"
ver=${pkg#linux-image-}
dir=$cache/kernel-$ver

if [ -f "$dir/.done" ]; then echo "$dir"; exit 0; fi

# One builder at a time (parallel make, CI jobs sharing a cache).
exec 9>"$cache/kernel.lock"
flock 9 || die "cannot lock $cache/kernel.lock"
if [ -f "$dir/.done" ]; then echo "$dir"; exit 0; fi

work=$(mktemp -d "$cache/kernel-work.XXXXXX") || die "cannot create a temporary directory in $cache"
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap cleans up

log "downloading $pkg"
# apt drops to the _apt user for downloads; as root into a private
# directory it would warn, so keep the download as the calling user.
(cd "$work" && apt-get download -q -o APT::Sandbox::User="$(id -un)" "$pkg" >&2) ||
	die "apt-get download $pkg failed"
deb=$(ls "$work"/*.deb 2>/dev/null | head -n1)
[ -n "$deb" ] || die "apt-get download produced no .deb for $pkg"

log "extracting $(basename "$deb")"
dpkg-deb -x "$deb" "$work/root" || die "dpkg-deb -x $deb failed"
rm -f "$deb"
[ -f "$work/root/boot/vmlinuz-$ver" ] || die "$pkg has no /boot/vmlinuz-$ver"
[ -d "$work/root/lib/modules/$ver" ] || die "$pkg has no /lib/modules/$ver"

# The .deb ships no modules.dep; postinst normally runs depmod.
depmod -b "$work/root" "$ver" || die "depmod -b failed for $ver"

cp "$work/root/boot/vmlinuz-$ver" "$work/vmlinuz"
echo "$ver" >"$work/version"

# vmlinux: the bzImage's payload is one XZ stream (CONFIG_KERNEL_XZ); find
# its magic and decompress it. The linux-image package does not ship
# scripts/extract-vmlinux, so do the same thing in python3.
log "extracting vmlinux"
python3 - "$work/vmlinuz" "$work/vmlinux" <<'EOF' || die "cannot extract vmlinux from the bzImage"
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
while at >= 0:
    try:
        out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
    except lzma.LZMAError:
        out = b""
    if out[:4] == b"\x7fELF":
        open(sys.argv[2], "wb").write(out)
        sys.exit(0)
    at = data.find(b"\xfd7zXZ\x00", at + 1)
sys.exit("no XZ stream holding an ELF image in " + sys.argv[1])
EOF

touch "$work/.done"
rm -rf "$dir"
mv "$work" "$dir" || die "cannot move the kernel into $dir"
trap - EXIT
# Debian moved on to a new ABI: the old trees (~0.5 GB each) go.
for old in "$cache"/kernel-*-amd64; do
	[ "$old" = "$dir" ] || [ ! -d "$old" ] || { log "removing $(basename "$old")"; rm -rf "$old"; }
done
log "kernel $ver ready"
echo "$dir"
