#!/usr/bin/env bash
# init/age.c held against the real age tool (Debian's age and age-keygen),
# both directions, and the operator commands keygen / seal / check.
# Usage: tests/age/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/age/run.sh BUILDDIR}
bin=$b/castellan
deps=$(scripts/build-deps.sh --dir)
tool=$b/agetool
pass=0 fail=0
ok()  { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1"; fail=$((fail + 1)); }
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
command -v age >/dev/null || { echo "not ok - age is not installed"; echo "age: 0 passed, 1 failed"; exit 1; }

gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined \
  -fno-sanitize-recover=all -Iinit -I"$deps/host/include" tests/age/agetool.c init/age.c init/wipe.c \
  init/base64.c init/bech32.c init/err.c -L"$deps/host/lib" -lbearssl -o "$tool" ||
  { echo "age: 0 passed, 1 failed"; exit 1; }

for i in 1 2 3; do age-keygen -o "$t/k$i.txt" 2>/dev/null; done
r1=$(age-keygen -y "$t/k1.txt"); r2=$(age-keygen -y "$t/k2.txt"); r3=$(age-keygen -y "$t/k3.txt")

# --- payloads across chunk boundaries, every direction and form
for n in 0 1 65535 65536 65537 131072 200001; do
  head -c "$n" /dev/urandom > "$t/p"
  for form in "" "-a"; do
    age $form -r "$r1" -r "$r2" -r "$r3" < "$t/p" > "$t/a.age" &&
      "$tool" decrypt "$t/k2.txt" < "$t/a.age" | cmp -s - "$t/p" &&
      ok "age seals $n bytes ${form:-binary} to 3 recipients, castellan opens" ||
      bad "age seals $n bytes ${form:-binary} to 3 recipients, castellan opens"
    "$tool" encrypt $form "$r3" "$r1" < "$t/p" > "$t/c.age" &&
      age -d -i "$t/k1.txt" < "$t/c.age" | cmp -s - "$t/p" &&
      ok "castellan seals $n bytes ${form:-binary} to 2 recipients, age opens" ||
      bad "castellan seals $n bytes ${form:-binary} to 2 recipients, age opens"
  done
done
age -r "$r1" < /dev/null > "$t/x.age"
"$tool" decrypt "$t/k2.txt" < "$t/x.age" 2> "$t/err" >/dev/null
grep -q 'no identity matches' "$t/err" && ok "a file for another key is refused" || bad "a file for another key is refused: $(cat "$t/err")"

# --- keygen: age-keygen reads what castellan keygen writes
"$bin" keygen -o "$t/ck.txt" 2> "$t/keygen.err" && [ "$(stat -c %a "$t/ck.txt")" = 600 ] &&
  cr=$(age-keygen -y "$t/ck.txt") && grep -q "Public key: $cr" "$t/keygen.err" &&
  ok "castellan keygen writes an age identity (mode 600), age-keygen agrees on its recipient" ||
  bad "castellan keygen writes an age identity"
"$bin" keygen -o "$t/ck.txt" 2>/dev/null && bad "keygen refuses to overwrite a key" || ok "keygen refuses to overwrite a key"

# --- seal: age opens what castellan seal writes
secret=zq8-Very-Secret-Value-4711
printf 'client_id: 6d1c1f4e-0b7a-4c43-9d61-3f0f1a2b3c4d\nclient_secret: %s\n' "$secret" > "$t/mi.yaml"
"$bin" seal -r "$cr" -r "$r1" --not-after 2099-01-01T00:00:00Z --vm-uuid 0B2E59A4-8F0B-4D3C-9E8A-7C6D5E4F3A21 \
  -o "$t/mi.age" "$t/mi.yaml" && age -d -i "$t/k1.txt" "$t/mi.age" > "$t/mi.out" &&
  grep -qx "client_secret: $secret" "$t/mi.out" && grep -qx 'vm_uuid: 0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21' "$t/mi.out" &&
  head -1 "$t/mi.age" | grep -q 'BEGIN AGE ENCRYPTED FILE' &&
  ok "castellan seal writes an armored file age opens, with the bindings" || bad "castellan seal: age opens it"
"$bin" seal -r "$cr" < /dev/null 2> "$t/err" && bad "seal refuses empty input" ||
  { grep -q 'client_id is missing' "$t/err" && ok "seal refuses input without client_id" || bad "seal message: $(cat "$t/err")"; }
"$bin" seal "$t/mi.yaml" 2> "$t/err" && bad "seal needs a recipient" || ok "seal needs a recipient"

# --- check: user-data whose identity age -r sealed
userdata() {  # userdata ARMORED-FILE OUT: the fixture with its identity replaced
  python3 - "$1" "$2" <<'PY'
import re, sys
s = open("tests/fixtures/user-data.yaml").read()
armored = open(sys.argv[1]).read().strip().split("\n")
block = "  identity: |\n" + "".join("    " + l + "\n" for l in armored)
open(sys.argv[2], "w").write(re.sub(r"  identity: \|\n(    .*\n)+", lambda m: block, s))
PY
}
age -a -r "$cr" < "$t/mi.yaml" > "$t/by-age.age"
userdata "$t/by-age.age" "$t/ud.yaml"
out=$("$bin" check --identity "$t/ck.txt" "$t/ud.yaml" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q '^identity: opened, client id 6d1c1f4e-0b7a-4c43-9d61-3f0f1a2b3c4d$' &&
  ok "check opens an identity sealed by age -r and prints the client id" || bad "check opens an age-sealed identity (rc $rc): $out"
echo "$out" | grep -q "$secret" && bad "check printed the client secret" || ok "check never prints the client secret"

userdata "$t/mi.age" "$t/ud2.yaml"
out=$("$bin" check --identity "$t/ck.txt" "$t/ud2.yaml" 2>&1); rc=$?
[ $rc -eq 0 ] && echo "$out" | grep -q 'bound to VM 0b2e59a4-8f0b-4d3c-9e8a-7c6d5e4f3a21' && echo "$out" | grep -q 'valid until 2099' &&
  ok "check reports the bindings of a castellan-sealed identity" || bad "check reports bindings: $out"

"$bin" seal -r "$cr" --not-after 2020-01-01T00:00:00Z -o "$t/old.age" "$t/mi.yaml" && userdata "$t/old.age" "$t/ud3.yaml"
out=$("$bin" check --identity "$t/ck.txt" "$t/ud3.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q 'castellan: the sealed identity expired at 2020-01-01T00:00:00Z (not_after); seal a new one' &&
  ok "check refuses an expired identity in one sentence" || bad "check refuses an expired identity: $out"

# A flipped byte anywhere in the armored body is refused, never opened.
refused=0 total=0
lines=$(wc -l < "$t/by-age.age")
for line in $(seq 2 $((lines - 1))); do
  for col in 1 17 33 50; do
    total=$((total + 1))
    awk -v L="$line" -v C="$col" 'NR == L && length($0) >= C {
        c = substr($0, C, 1); n = (c == "A") ? "B" : "A"; $0 = substr($0, 1, C - 1) n substr($0, C + 1) } { print }' \
      "$t/by-age.age" > "$t/flip.age"
    cmp -s "$t/flip.age" "$t/by-age.age" && { total=$((total - 1)); continue; }
    userdata "$t/flip.age" "$t/ud4.yaml"
    out=$("$bin" check --identity "$t/ck.txt" "$t/ud4.yaml" 2>&1) && continue
    echo "$out" | grep -q '^castellan: castellan.identity: ' && ! echo "$out" | grep -q "$secret" && refused=$((refused + 1))
  done
done
[ $refused -eq $total ] && [ $total -gt 10 ] && ok "check refuses all $total tampered copies with one sentence" ||
  bad "check refuses tampered copies ($refused of $total)"

echo "age: $pass passed, $fail failed"
[ $fail -eq 0 ]
