#!/usr/bin/env bash
# Assembles the appliance from BUILDDIR/castellan:
#
#   image/build.sh BUILDDIR --key KEY [--demo]
#                                        BUILDDIR/initramfs.cpio.gz
#                                        BUILDDIR/castellan.iso
#       KEY     the appliance's age identity (castellan keygen), built in
#               as /etc/castellan/identity.key: it opens castellan.identity
#       --demo  KEY is a throwaway: the image says so when it boots
#   image/build.sh --iso INITRAMFS ISO   only the ISO, around any initramfs
#                                        (bench/run.sh boots a hello-world
#                                        init the same way through it)
#
# The initramfs holds /init (the static binary), the overlay/ files, the CA
# bundle, the identity key, and the kernel modules of image/modules.list
# with their dependencies; /etc/castellan/modules lists them in load order
# for the init.
# The ISO is a grub-mkrescue hybrid: BIOS and UEFI, CD-ROM and USB stick.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
die() { echo "image: error: $*" >&2; exit 1; }
log() { echo "image: $*" >&2; }

tmp=$(mktemp -d) || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap cleans up

# Debian's kernel, fetched once into the cache (scripts/kernel.sh).
load_kernel() {
	kdir=$("$repo/scripts/kernel.sh" | tail -n1) || die "scripts/kernel.sh failed"
	kver=$(cat "$kdir/version")
}

# make_iso INITRAMFS OUT: kernel + initramfs + image/grub.cfg, BIOS and UEFI.
make_iso() {
	local initramfs=$1 out=$2 iso=$tmp/iso
	rm -rf "$iso"
	mkdir -p "$iso/boot/grub"
	cp "$kdir/vmlinuz" "$iso/boot/vmlinuz"
	cp "$initramfs" "$iso/boot/initramfs.cpio.gz"
	cp "$here/grub.cfg" "$iso/boot/grub/grub.cfg"
	# No fonts, locales or themes (text menu on serial and screen) and
	# xz-compressed GRUB modules: about half the GRUB payload. Arguments
	# after the options go to xorriso; -volid, as -V is grub-mkrescue's own.
	grub-mkrescue -o "$tmp/out.iso" --fonts= --locales= --themes= --compress=xz \
		"$iso" -volid CASTELLAN >"$tmp/grub.log" 2>&1 ||
		{ cat "$tmp/grub.log" >&2; die "grub-mkrescue failed for $out"; }
	mv "$tmp/out.iso" "$out" || die "cannot write $out"
}

if [ "${1:-}" = --iso ]; then
	[ $# -eq 3 ] || die "usage: image/build.sh --iso INITRAMFS ISO"
	[ -f "$2" ] || die "no initramfs at $2"
	load_kernel
	make_iso "$2" "$3"
	exit 0
fi

usage="usage: image/build.sh BUILDDIR --key KEY [--demo]"
[ $# -ge 1 ] || die "$usage"
b=$1 key= demo=0
shift
while [ $# -gt 0 ]; do
	case $1 in
	--key) key=${2:-}; shift 2 || die "$usage" ;;
	--demo) demo=1; shift ;;
	*) die "$usage" ;;
	esac
done
[ -n "$key" ] || die "no --key: the image needs the appliance's age identity (castellan keygen -o key.txt)"
[ -r "$key" ] || die "--key $key: no such readable file"
grep -q '^AGE-SECRET-KEY-1' "$key" || die "--key $key holds no AGE-SECRET-KEY-1 line (castellan keygen makes one)"
[ -x "$b/castellan" ] || die "no executable $b/castellan (run make castellan)"
[ "$(id -u)" -eq 0 ] || die "must run as root: the initramfs needs real /dev/console and /dev/null nodes"
load_kernel

# --- the initramfs tree
root=$tmp/root
mkdir -p "$root"/{dev,proc,sys,run,tmp,etc/castellan,etc/ssl/certs}
chmod 1777 "$root/tmp"
cp "$b/castellan" "$root/init"
chmod 0755 "$root/init"
# The kernel opens /dev/console for PID 1 before anything is mounted.
mknod -m 600 "$root/dev/console" c 5 1 || die "mknod /dev/console failed"
mknod -m 666 "$root/dev/null" c 1 3 || die "mknod /dev/null failed"
if [ -d "$repo/overlay" ]; then cp -R "$repo/overlay/." "$root/"; fi
# Kept out of overlay/: a dangling symlink there breaks make's prerequisites.
# The init writes /run/resolv.conf from DHCP or network-config.
ln -sfn /run/resolv.conf "$root/etc/resolv.conf"
ca=/etc/ssl/certs/ca-certificates.crt
[ -s "$ca" ] || die "no CA bundle at $ca (apt-get install ca-certificates)"
cp -L "$ca" "$root$ca"

# The age identity that opens castellan.identity (DESIGN.md section 4);
# readable by root only. The demo mark makes the init warn at every boot.
install -m 0400 "$key" "$root/etc/castellan/identity.key" || die "cannot copy $key"
if [ "$demo" = 1 ]; then : >"$root/etc/castellan/demo-key"; fi

# --- kernel modules: image/modules.list names the top-level ones; modprobe
# resolves their dependencies from modules.dep, dependencies first.
declare -A seen=()
order=()
nlisted=0
while read -r mod _; do
	[ -n "$mod" ] || continue
	nlisted=$((nlisted + 1))
	deps=$(modprobe -d "$kdir/root" -S "$kver" --show-depends "$mod" 2>"$tmp/err") ||
		die "module $mod (image/modules.list): $(head -n1 "$tmp/err")"
	while read -r kind path _; do
		case $kind in
		insmod) ;;
		builtin) continue ;;	# compiled into this kernel: nothing to load
		*) die "unexpected modprobe output for $mod: $kind $path" ;;
		esac
		rel=${path#"$kdir/root"}
		[ "$rel" != "$path" ] || die "modprobe gave a path outside the kernel tree: $path"
		[ -z "${seen[$rel]:-}" ] || continue
		seen[$rel]=1
		order+=("$rel")
	done <<<"$deps"
done < <(sed 's/#.*//' "$here/modules.list")
[ ${#order[@]} -gt 0 ] || die "image/modules.list names no modules"
for rel in "${order[@]}"; do
	mkdir -p "$root$(dirname "$rel")"
	cp "$kdir/root$rel" "$root$rel"
done
printf '%s\n' "${order[@]}" >"$root/etc/castellan/modules"
log "kernel $kver: ${#order[@]} modules for the $nlisted in image/modules.list"

# --- pack: sorted names, owner 0:0, one fixed mtime, no inode or device
# numbers from this machine, no gzip timestamp: the same inputs give the
# same bytes. The mtime: SOURCE_DATE_EPOCH, else the last commit's, else 0.
epoch=${SOURCE_DATE_EPOCH:-$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 0)}
find "$root" -exec touch -h -d "@$epoch" {} + || die "touch failed"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --reproducible --quiet | gzip -9 -n) \
	>"$tmp/initramfs.cpio.gz" || die "cpio/gzip failed"
mv "$tmp/initramfs.cpio.gz" "$b/initramfs.cpio.gz" || die "cannot write $b/initramfs.cpio.gz"

make_iso "$b/initramfs.cpio.gz" "$b/castellan.iso"

for f in castellan initramfs.cpio.gz castellan.iso; do
	printf 'image: %-18s %10d bytes\n' "$f" "$(stat -c %s "$b/$f")"
done
