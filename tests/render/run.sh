#!/usr/bin/env bash
# castellan render, judged by Talos itself: a 1-node, a 3+3 and a 5+10
# description, each with patches, rendered for every supported Talos line
# and validated with that line's pkg/machinery (tests/talos/check.sh:
# configloader + strict validation, the bundle with LoadBundle + Validate,
# ESO's objects decoded strictly). Also: workers carry no private key, the
# cidata ISOs hold the configs byte for byte, and masked output holds no
# secret. Usage: tests/render/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/render/run.sh BUILDDIR}
bin=$b/castellan suite=render
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. tests/lib.sh
lines="v1.11.5 v1.12.4 v1.13.9 v1.14.1"

# desc OUT VERSION CPS WORKERS: the fixture's description with that many
# nodes, and patches for all, per role and for one node.
desc() {
  python3 - "$@" <<'PY'
import re, sys
out, version, cps, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = open("tests/fixtures/user-data.yaml").read().replace("version: v1.13.9", "version: " + version)
nodes = [f"      - {{name: cp{i}, role: controlplane, vmid: {1100 + i}, ip: 10.0.0.{10 + i}}}\n" for i in range(1, cps + 1)]
nodes += [f"      - {{name: w{i}, role: worker, vmid: {1200 + i}, ip: 10.0.0.{100 + i}}}\n" for i in range(1, workers + 1)]
patches = ("    patches:\n"
           "      - {target: all, patch: {machine: {sysctls: {vm.max_map_count: \"262144\"}}}}\n"
           "      - {target: controlplane, patch: {cluster: {apiServer: {extraArgs: {audit-log-maxage: \"30\"}}}}}\n"
           "      - {target: cp1, patch: {machine: {nodeLabels: {castellan.test/first: \"yes\"}}}}\n"
           + ("      - {target: worker, patch: {machine: {kubelet: {extraArgs: {max-pods: \"150\"}}}}}\n" if workers else ""))
s = re.sub(r"    nodes:\n(      - .*\n)+", lambda m: "    nodes:\n" + "".join(nodes), s)
s = re.sub(r"    patches:\n(      .*\n)+", lambda m: patches, s)
open(out, "w").write(s)
PY
}

dirs=()
for v in $lines; do
  l=${v%.*}
  for shape in "1 0" "3 3" "5 10"; do
    set -- $shape
    d=$t/$l/$1+$2; mkdir -p "$t/$l"
    desc "$t/$l-$1+$2.yaml" "$v" "$1" "$2"
    out=$("$bin" render "$t/$l-$1+$2.yaml" --out "$d" --reveal 2>&1) ||
      { bad "render $v $1+$2: $out"; continue; }
    n=$(ls "$d"/*.yaml | grep -vc secrets.yaml)
    [ "$n" = $(($1 + $2)) ] && ok "$v $1+$2: one config per node and the bundle" || bad "$v $1+$2: $n configs"
  done
  dirs+=("$t/$l")
done

# Talos's own judgement, once per line over its three shapes.
for v in $lines; do
  l=${v%.*}
  res=$(tests/talos/check.sh --build "$b" "${l#v}" "$t/$l"/* 2>&1); rc=$?
  fails=$(grep -c '^FAIL' <<<"$res")
  oks=$(grep -c '^ok .*type=' <<<"$res")
  [ $rc -eq 0 ] && [ "$fails" = 0 ] && [ "$oks" = 22 ] &&
    ok "$v: all 22 configs valid to Talos (strict), the bundles too, ESO objects decode strictly" ||
    bad "$v: Talos refused ($oks valid): $(grep '^FAIL' <<<"$res" | head -5)"
done

d=$t/v1.13/3+3
grep -q '  type: init' "$d/cp1.yaml" && grep -q '  type: controlplane' "$d/cp2.yaml" && grep -q '  type: worker' "$d/w1.yaml" &&
  ok "cp1 is init, the other control planes controlplane, workers worker" || bad "node types"
# Private keys: decode every base64 value; only control planes may hold one.
keys() { python3 - "$1" <<'PY'
import base64, re, sys
n = 0
for v in re.findall(r"(?m)^\s+(?:crt|key): (\S+)$", open(sys.argv[1]).read()):
    try:
        n += b"PRIVATE KEY" in base64.b64decode(v)
    except Exception:
        pass
print(n)
PY
}
[ "$(keys "$d/w1.yaml")" = 0 ] && [ "$(keys "$d/cp2.yaml")" -ge 4 ] &&
  ! grep -qE 'secretbox|aggregatorCA|serviceAccount|etcd|inlineManifests' "$d/w1.yaml" &&
  ok "workers hold no private key and no etcd, aggregator, service-account, secretbox or ESO material" ||
  bad "worker material: w1 keys $(keys "$d/w1.yaml"), cp2 keys $(keys "$d/cp2.yaml")"
isoinfo -d -i "$d/cp1.iso" | grep -q '^Volume id: cidata$' &&
  isoinfo -R -i "$d/cp1.iso" -x /user-data | cmp -s - "$d/cp1.yaml" &&
  isoinfo -R -i "$d/cp1.iso" -x /meta-data | grep -qx 'local-hostname: cp1' &&
  isoinfo -R -i "$d/cp1.iso" -x /network-config | grep -q 'addresses: \[10.0.0.11/24\]' &&
  ok "the cidata ISO (volume cidata) holds the config byte for byte, meta-data and network-config" ||
  bad "cidata ISO contents"

# Masked: no value of the revealed bundle may appear.
"$bin" render "$t/v1.13-3+3.yaml" --out "$t/masked" >/dev/null 2>&1
leak=$(python3 - "$t/masked" <<'PY'
import glob, sys
text = "".join(open(f).read() for f in glob.glob(sys.argv[1] + "/*"))
print(sum(1 for w in ("PRIVATE", "LS0tLS1CRUdJTi", "c2VjcmV0") if w in text))
PY
)
[ ! -e "$t/masked/secrets.yaml" ] && [ -z "$(ls "$t/masked"/*.iso 2>/dev/null)" ] && [ "$leak" = 0 ] &&
  grep -q '\[redacted\]' "$t/masked/cp1.yaml" &&
  ok "without --reveal every secret is masked, and no bundle or ISO is written" || bad "masked output (leak $leak)"

sed 's/version: v1.13.9/version: v1.10.3/' tests/fixtures/user-data.yaml > "$t/old.yaml"
out=$("$bin" render "$t/old.yaml" --out "$t/old" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q 'castellan.talos.version: v1.10.3 is not supported; castellan renders Talos v1.11 to v1.14' <<<"$out" &&
  [ ! -e "$t/old" ] && ok "a Talos line castellan does not know is refused, naming the range; nothing written" || bad "old version (rc $rc): $out"
finish
