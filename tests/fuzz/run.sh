#!/usr/bin/env bash
# Builds the libFuzzer target for the age parser and runs it for a bounded
# time (FUZZ_SECONDS, default 30), seeded with real age files.
# Usage: tests/fuzz/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/fuzz/run.sh BUILDDIR}
secs=${FUZZ_SECONDS:-30}
deps=$(scripts/build-deps.sh --dir)
out=$b/fuzz
mkdir -p "$out/corpus"

clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Iinit -I"$deps/host/include" \
  tests/fuzz/fuzz_age.c init/age.c init/wipe.c init/base64.c init/bech32.c init/err.c \
  -L"$deps/host/lib" -lbearssl -o "$out/fuzz_age" || { echo "fuzz: 0 passed, 1 failed"; exit 1; }

# Seeds: files the real age tool made, armored and binary, to the fuzzer's key.
key=$out/key.txt
rm -f "$key"
age-keygen -o "$key" 2>/dev/null && r=$(age-keygen -y "$key") ||
  { echo "not ok - age-keygen is missing (apt-get install age)"; echo "fuzz: 0 passed, 1 failed"; exit 1; }
echo seed | age -r "$r" > "$out/corpus/bin.age"
echo seed | age -a -r "$r" > "$out/corpus/armored.age"
head -c 70000 /dev/zero | age -r "$r" -r "$r" > "$out/corpus/two-chunks.age"
export FUZZ_AGE_KEY=$key
printf 'age-encryption.org/v1\n-> X25519 abc\n\n--- x\n' > "$out/corpus/header"

if "$out/fuzz_age" -max_total_time="$secs" -max_len=4096 -print_final_stats=1 \
     "$out/corpus" > "$out/fuzz.log" 2>&1; then
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/fuzz.log" | grep -o '[0-9]*$')
  echo "ok - age parser survived ${runs:-?} fuzz inputs in ${secs}s"
  echo "fuzz: 1 passed, 0 failed"
else
  tail -40 "$out/fuzz.log"
  echo "not ok - the fuzzer found a crash (input saved under $out)"
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
