#!/usr/bin/env bash
# Builds a NoCloud seed ISO (volume id "cidata", Rock Ridge names) from a
# directory holding user-data, meta-data and optionally network-config: the
# same shape Proxmox gives a VM's cloud-init drive. The image is made by
# BUILDDIR/castellan cidata, so the boot tests also prove that the kernel
# inside the appliance mounts the ISOs castellan writes.
#
#   qemu/mkseed.sh DIR OUT.iso BUILDDIR
#
# With DIR/identity.yaml present (a Machine Identity document: client_id,
# client_secret), that document is sealed with BUILDDIR/castellan to the
# throwaway key of the demo image, BUILDDIR/demo/identity.key, and replaces
# the `identity: |` block of user-data. So make demo and make test boot a
# description the image can really open; no key is kept in git.
set -euo pipefail

die() { echo "mkseed: error: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: qemu/mkseed.sh DIR OUT.iso BUILDDIR"
dir=$1 out=$2 b=$3
[ -x "$b/castellan" ] || die "no $b/castellan (make castellan)"
for f in user-data meta-data; do
	[ -f "$dir/$f" ] || die "no $f in $dir"
done
tmp=$(mktemp -d) || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap cleans up
cp "$dir/user-data" "$dir/meta-data" "$tmp/"
[ ! -f "$dir/network-config" ] || cp "$dir/network-config" "$tmp/"

if [ -f "$dir/identity.yaml" ]; then
	key=$b/demo/identity.key
	[ -r "$key" ] || die "no demo key $key (make demo-image makes it)"
	pub=$(sed -n 's/^# public key: \(age1[0-9a-z]*\)$/\1/p' "$key" | head -n1)
	[ -n "$pub" ] || die "$key has no '# public key: age1...' line"
	"$b/castellan" seal -r "$pub" -o "$tmp/identity.age" "$dir/identity.yaml" ||
		die "castellan seal failed on $dir/identity.yaml"
	# Swap the block under `identity: |` (every deeper-indented line after
	# it) for the sealed file, indented two more spaces than the key.
	awk -v f="$tmp/identity.age" '
		function indent(s) { match(s, /^ */); return RLENGTH }
		skip && NF && indent($0) > ind { next }
		{ skip = 0 }
		/^ *identity: *\|$/ && !done {
			print; ind = indent($0); pad = ""
			for (i = 0; i < ind + 2; i++) pad = pad " "
			while ((getline l < f) > 0) print pad l
			skip = 1; done = 1; next
		}
		{ print }
		END { exit !done }' "$dir/user-data" >"$tmp/user-data" ||
		die "no 'identity: |' block in $dir/user-data to put the sealed identity in"
fi

args=(-o "$out" --meta-data "$tmp/meta-data" "$tmp/user-data")
[ ! -f "$tmp/network-config" ] || args+=(--network-config "$tmp/network-config")
mkdir -p "$(dirname "$out")" || die "cannot create $(dirname "$out")"
# castellan cidata writes beside OUT and renames: no half-written seed.
"$b/castellan" cidata "${args[@]}" || die "castellan cidata failed to build $out from $dir"
