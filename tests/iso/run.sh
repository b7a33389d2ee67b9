#!/usr/bin/env bash
# castellan cidata (init/iso9660.c) held against the real ISO 9660 tools:
# isoinfo, xorriso/osirrox, blkid and file read back what it writes.
# Linux itself mounts these images in the boot tests (qemu/mkseed.sh).
# Usage: tests/iso/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/iso/run.sh BUILDDIR}
cd "$(dirname "$0")/../.." || exit 1
suite=iso
. tests/lib.sh
bin=$b/castellan
t=$(mktemp -d); trap 'chmod -R u+w "$t"; rm -rf "$t"' EXIT
for tool in isoinfo xorriso osirrox blkid file; do
  command -v $tool >/dev/null || give_up "$tool is installed (scripts/setup.sh)"
done

# one_sentence FILE: exactly one line, from castellan.
one_sentence() { [ "$(wc -l < "$1")" -eq 1 ] && grep -q '^castellan: ' "$1"; }
# no_leftovers DIR: nothing but what the test put there (no temp file).
no_leftovers() { ! ls "$1" | grep -q '\.iso\.'; }

# --- a small seed: user-data alone, the default meta-data
printf '#cloud-config\nhostname: castellan\n' > "$t/ud"
"$bin" cidata -o "$t/small.iso" "$t/ud" 2> "$t/err" && [ ! -s "$t/err" ] &&
  ok "cidata builds a seed from user-data alone, silently" || bad "cidata builds a small seed: $(cat "$t/err")"
[ "$(stat -c %a "$t/small.iso")" = 600 ] && ok "the image is mode 600" || bad "the image is mode 600"
isoinfo -d -i "$t/small.iso" > "$t/d"
grep -qx 'Volume id: cidata' "$t/d" && ok "isoinfo -d: volume id cidata" || bad "isoinfo -d: volume id: $(cat "$t/d")"
grep -q 'Rock Ridge signatures version 1 found' "$t/d" && ok "isoinfo -d finds Rock Ridge" || bad "isoinfo -d finds Rock Ridge"
[ "$(isoinfo -R -f -i "$t/small.iso" | sort | paste -sd' ')" = '/meta-data /user-data' ] &&
  ok "isoinfo -R -f: the Rock Ridge names" || bad "isoinfo -R -f: $(isoinfo -R -f -i "$t/small.iso")"
[ "$(isoinfo -f -i "$t/small.iso" | sort | paste -sd' ')" = '/META_DAT.;1 /USER_DAT.;1' ] &&
  ok "isoinfo -f: level-1 names for plain readers" || bad "isoinfo -f: $(isoinfo -f -i "$t/small.iso")"
isoinfo -R -x /user-data -i "$t/small.iso" | cmp -s - "$t/ud" &&
  ok "isoinfo -R -x /user-data: byte for byte" || bad "isoinfo -R -x /user-data differs"
[ "$(isoinfo -R -x /meta-data -i "$t/small.iso")" = 'instance-id: castellan' ] &&
  ok "the default meta-data is instance-id: castellan" || bad "default meta-data: $(isoinfo -R -x /meta-data -i "$t/small.iso")"
isoinfo -R -l -i "$t/small.iso" > "$t/l"
grep -q '^-r--r--r-- .* user-data $' "$t/l" && grep -q '^dr-xr-xr-x .* \. $' "$t/l" &&
  ok "files read 0444, the directory 0555" || bad "modes: $(cat "$t/l")"
blkid -p -o export "$t/small.iso" > "$t/blkid"
grep -qx 'LABEL=cidata' "$t/blkid" && grep -qx 'TYPE=iso9660' "$t/blkid" &&
  ok "blkid -p: iso9660 labelled cidata" || bad "blkid -p: $(cat "$t/blkid")"
file "$t/small.iso" | grep -q "ISO 9660 CD-ROM filesystem data 'cidata'" &&
  ok "file: ISO 9660 labelled cidata" || bad "file: $(file "$t/small.iso")"

# --- all three files: a 1.5 MiB user-data, given meta-data, empty network-config
head -c $((1536 * 1024 + 7)) /dev/urandom > "$t/big"   # binary, too
printf 'instance-id: node-1\nlocal-hostname: node-1\n' > "$t/md"
: > "$t/nc"
"$bin" cidata -o "$t/full.iso" "$t/big" --meta-data "$t/md" --network-config "$t/nc" 2> "$t/err" &&
  ok "cidata builds a seed with all three files" || bad "cidata with all three files: $(cat "$t/err")"
isoinfo -R -x /user-data -i "$t/full.iso" | cmp -s - "$t/big" &&
  ok "isoinfo -R -x: a $(stat -c %s "$t/big")-byte user-data comes back whole" || bad "the large user-data differs"
xorriso -indev "$t/full.iso" -find / -type f 2>/dev/null | sort | paste -sd' ' > "$t/find"
[ "$(cat "$t/find")" = "'/meta-data' '/network-config' '/user-data'" ] &&
  ok "xorriso -find lists the three files" || bad "xorriso -find: $(cat "$t/find")"
osirrox -indev "$t/full.iso" -extract / "$t/x" >/dev/null 2>&1
cmp -s "$t/x/user-data" "$t/big" && cmp -s "$t/x/meta-data" "$t/md" &&
  [ -f "$t/x/network-config" ] && [ ! -s "$t/x/network-config" ] &&
  ok "osirrox -extract gives back every file, the empty one empty" || bad "osirrox -extract: $(ls -l "$t/x")"

# --- the same input gives the same image
SOURCE_DATE_EPOCH=1700000000 "$bin" cidata -o "$t/r1.iso" "$t/ud" &&
  SOURCE_DATE_EPOCH=1700000000 "$bin" cidata -o "$t/r2.iso" "$t/ud" && cmp -s "$t/r1.iso" "$t/r2.iso" &&
  ok "SOURCE_DATE_EPOCH makes the image reproducible" || bad "SOURCE_DATE_EPOCH makes the image reproducible"
isoinfo -R -l -i "$t/r1.iso" | grep -q 'Nov 14 2023.* user-data' &&
  ok "every date is SOURCE_DATE_EPOCH" || bad "dates: $(isoinfo -R -l -i "$t/r1.iso")"
SOURCE_DATE_EPOCH=soon "$bin" cidata -o "$t/r3.iso" "$t/ud" 2> "$t/err"
one_sentence "$t/err" && grep -q SOURCE_DATE_EPOCH "$t/err" && [ ! -e "$t/r3.iso" ] &&
  ok "a bad SOURCE_DATE_EPOCH is one sentence" || bad "bad SOURCE_DATE_EPOCH: $(cat "$t/err")"
"$bin" cidata -o "$t/r1.iso" "$t/big" && isoinfo -R -x /user-data -i "$t/r1.iso" | cmp -s - "$t/big" &&
  no_leftovers "$t" && ok "an existing image is replaced, with no temporary file left" ||
  bad "replacing an image"

# --- refusals: one sentence, no output file
"$bin" cidata -o "$t/m.iso" "$t/missing" 2> "$t/err"; rc=$?
[ $rc -eq 1 ] && one_sentence "$t/err" && grep -q "$t/missing: No such file" "$t/err" && [ ! -e "$t/m.iso" ] &&
  ok "a missing user-data is named, and no image written" || bad "missing user-data (rc $rc): $(cat "$t/err")"
"$bin" cidata -o "$t/m.iso" "$t/ud" --network-config "$t/nope" 2> "$t/err"; rc=$?
[ $rc -eq 1 ] && one_sentence "$t/err" && grep -q "$t/nope" "$t/err" && [ ! -e "$t/m.iso" ] &&
  ok "a missing network-config is named, and no image written" || bad "missing network-config: $(cat "$t/err")"
"$bin" cidata -o "$t/no/such/dir/m.iso" "$t/ud" 2> "$t/err"; rc=$?
[ $rc -eq 1 ] && one_sentence "$t/err" && grep -q "creating $t/no/such/dir/m.iso" "$t/err" &&
  ok "an output in a missing directory is one sentence" || bad "output in a missing directory: $(cat "$t/err")"
mkdir "$t/ro" && chmod 555 "$t/ro"
if [ "$(id -u)" -ne 0 ]; then
  "$bin" cidata -o "$t/ro/m.iso" "$t/ud" 2> "$t/err"; rc=$?
  [ $rc -eq 1 ] && one_sentence "$t/err" && grep -q 'Permission denied' "$t/err" && [ -z "$(ls "$t/ro")" ] &&
    ok "an unwritable directory is one sentence, and stays empty" || bad "unwritable directory: $(cat "$t/err")"
fi
mkdir "$t/adir"
"$bin" cidata -o "$t/adir" "$t/ud" 2> "$t/err"; rc=$?
[ $rc -eq 1 ] && one_sentence "$t/err" && grep -q "writing $t/adir: Is a directory" "$t/err" &&
  [ -z "$(ls "$t/adir")" ] && ! ls "$t" | grep -q '^adir\.' &&
  ok "an output that is a directory is one sentence, with no temporary file left" || bad "output a directory: $(cat "$t/err")"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero > "$t/huge"
"$bin" cidata -o "$t/m.iso" "$t/huge" 2> "$t/err"; rc=$?
[ $rc -eq 1 ] && one_sentence "$t/err" && grep -q 'larger than 16 MiB' "$t/err" && [ ! -e "$t/m.iso" ] &&
  ok "a user-data over 16 MiB is refused in one sentence" || bad "huge user-data: $(cat "$t/err")"
"$bin" cidata "$t/ud" >/dev/null 2>&1; [ $? -eq 2 ] && ok "no -o is a usage error" || bad "no -o is a usage error"
"$bin" cidata -o "$t/m.iso" >/dev/null 2>&1; [ $? -eq 2 ] && ok "no user-data is a usage error" || bad "no user-data is a usage error"
"$bin" cidata -o "$t/m.iso" "$t/ud" "$t/md" >/dev/null 2>&1; [ $? -eq 2 ] &&
  ok "two user-data files are a usage error" || bad "two user-data files are a usage error"
[ ! -e "$t/m.iso" ] && ok "no refused command left an image" || bad "a refused command left $t/m.iso"

finish
