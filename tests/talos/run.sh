#!/usr/bin/env bash
# Talos's own code as the judge of what castellan renders.
#
# Usage: tests/talos/run.sh BUILDDIR [RENDERDIR...]   (from the repository root)
#
# Builds (if stale) into BUILDDIR/talos/ one validator per supported Talos
# line, validate-v1.11 ... validate-v1.14 (tests/talos/validate, compiled
# against that line's pkg/machinery with mod/vX.Y.mod + .sum), and esocheck
# (strict ESO/Kubernetes decoding, tests/talos/esocheck). Then self-tests:
# per line, Talos's own generated configs and secrets must pass, and
# mutations Talos rejects must fail; ESO manifests must decode strictly.
#
# Each RENDERDIR is then validated with tests/talos/check.sh (see there for
# what is checked in a directory) for the line(s) it is for:
#   RENDERDIR/v1.13/ ... subdirectories named after lines (v1.13 or 1.13), or
#   a RENDERDIR whose own name is a line, or
#   a RENDERDIR holding a file TALOS_LINE with the line in it.
# To check one directory for one line directly:
#   tests/talos/check.sh [--mode cloud|metal|container] LINE DIR...
#
# Closing line: "talos: N passed, N failed".
set -uo pipefail
b=${1:?usage: tests/talos/run.sh BUILDDIR [RENDERDIR...]}
shift
suite=talos
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
. tests/lib.sh
. tests/talos/common.sh
here=tests/talos

start=$SECONDS
talos_build "$b" > "$t/build.log" 2>&1 || { cat "$t/build.log"; give_up "the Talos validators build"; }
ok "validators build ($((SECONDS - start))s): $(for l in $talos_lines; do printf '%s ' "$("$b/talos/validate-v$l" version)"; done)"
eso=$b/talos/esocheck

# expect_ok NAME CMD...  /  expect_fail NAME PATTERN CMD...: the second also
# needs PATTERN (grep -E) in the output, so a failure for the wrong reason
# does not count.
expect_ok() {
  local name=$1 out; shift
  if out=$("$@" 2>&1); then ok "$name"; else bad "$name"; echo "$out" | sed 's/^/    /'; fi
}
expect_fail() {
  local name=$1 pat=$2 out; shift 2
  if out=$("$@" 2>&1); then bad "$name (accepted)"; echo "$out" | sed 's/^/    /'
  elif grep -qE -- "$pat" <<<"$out"; then ok "$name"
  else bad "$name (failed for another reason)"; echo "$out" | sed 's/^/    /'; fi
}

# inline_legacy SRC MANIFEST: SRC with MANIFEST as cluster.inlineManifests[0]
inline_legacy() {
  awk -v mf="$2" '{ print } /^cluster:$/ {
      print "    inlineManifests:"; print "        - name: castellan-eso"; print "          contents: |"
      while ((getline l < mf) > 0) print "            " l }' "$1"
}
# inline_doc SRC MANIFEST: SRC plus a 1.14 KubeInlineManifestConfig document
inline_doc() {
  cat "$1"; printf -- '---\napiVersion: v1alpha1\nkind: KubeInlineManifestConfig\nname: castellan-eso\nmanifest: |\n'
  sed 's/^/  /' "$2"
}

good=$here/testdata/eso-good.yaml
sed 's/universalAuthCredentials:/universalAuth:/' "$good" > "$t/eso-unknown.yaml"
sed 's/hostAPI:/hostApi:/' "$good" > "$t/eso-case.yaml"
sed '/environmentSlug:/d' "$good" > "$t/eso-noenv.yaml"
sed '/^            namespace: external-secrets$/d' "$good" > "$t/eso-nons.yaml"
sed 's|external-secrets.io/v1$|external-secrets.io/v1beta1|' "$good" > "$t/eso-v1beta1.yaml"
sed 's/^  replicas: 1$/  replica: 1/' "$good" > "$t/eso-deploy.yaml"
sed 's/^        projectSlug: castle$/        projectSlug: castle\n        projectSlug: other/' "$good" > "$t/eso-dup.yaml"

# --- ESO and Kubernetes objects, strictly
expect_ok "eso: castellan's ESO objects decode strictly (v1 stores, v1alpha1 PushSecret, core kinds)" "$eso" "$good"
expect_fail "eso: universalAuth (the Infisical operator's field) in a ClusterSecretStore" 'unknown field.*universalAuth' "$eso" "$t/eso-unknown.yaml"
expect_fail "eso: hostApi for hostAPI (case matters, as in the API server)" 'unknown field.*hostApi' "$eso" "$t/eso-case.yaml"
expect_fail "eso: secretsScope.environmentSlug missing" 'environmentSlug' "$eso" "$t/eso-noenv.yaml"
expect_fail "eso: credential ref without namespace in a ClusterSecretStore" 'clientId.namespace' "$eso" "$t/eso-nons.yaml"
expect_fail "eso: external-secrets.io/v1beta1 (no longer served)" 'v1beta1.*not a known kind' "$eso" "$t/eso-v1beta1.yaml"
expect_fail "eso: a Deployment with a misspelt field" 'unknown field.*replica' "$eso" "$t/eso-deploy.yaml"
expect_fail "eso: a duplicate key" 'already set|duplicate' "$eso" "$t/eso-dup.yaml"

# --- per Talos line
for line in $talos_lines; do
  v=$b/talos/validate-v$line
  g=$t/$line m=$t/$line-mut
  mkdir -p "$m"
  if ! "$v" gen --out "$g" > "$t/gen.log" 2>&1; then bad "$line: gen"; cat "$t/gen.log"; continue; fi
  expect_ok "$line: Talos's own init/controlplane/worker pass (cloud, strict, runtime)" "$v" config "$g/init.yaml" "$g/controlplane.yaml" "$g/worker.yaml"
  expect_ok "$line: ... and in metal mode" "$v" config --mode metal "$g/init.yaml" "$g/controlplane.yaml" "$g/worker.yaml"
  expect_ok "$line: Talos's own secrets bundle passes" "$v" bundle "$g/secrets.yaml"
  expect_ok "$line: check.sh accepts the generated directory" "$here/check.sh" --build "$b" "$line" "$g"
  "$v" gen --ecdsa-os --out "$g-ecdsa" > /dev/null 2>&1
  expect_ok "$line: an ECDSA P-256 OS CA passes (configs and bundle)" "$v" config "$g-ecdsa/controlplane.yaml" "$g-ecdsa/worker.yaml"
  expect_ok "$line: ... its bundle too" "$v" bundle "$g-ecdsa/secrets.yaml"
  expect_fail "$line: --type catches a worker where a control plane is wanted" 'machine type is worker' "$v" config --type controlplane "$g/worker.yaml"

  cp=$g/controlplane.yaml wk=$g/worker.yaml
  sed '/^ *endpoint: https:\/\/10\.0\.0\.10:6443$/d' "$cp" > "$m/no-endpoint.yaml"
  sed 's/^    type: controlplane$/    type: bogus/' "$cp" > "$m/bogus-type.yaml"
  awk 'NR == FNR { if ($0 ~ /^    etcd:$/) on = 1; else if (on && $0 !~ /^      /) on = 0; if (on) blk = blk $0 "\n"; next }
       { print } /^cluster:$/ { printf "%s", blk }' "$cp" "$wk" > "$m/worker-etcd.yaml"
  sed 's/^machine:$/machine:\n    bogusKey: 1/' "$cp" > "$m/unknown-key.yaml"
  awk '/^    ca:$/ && !done { inca = 1 } inca && /^        key:/ { inca = 0; done = 1; next } { print }' "$cp" > "$m/no-ca-key.yaml"
  sed 's/^cluster:$/cluster:\n    inlineManifests:\n        - name: a\n          contents: "x: 1"\n        - name: a\n          contents: "y: 2"/' "$cp" > "$m/dup-inline.yaml"
  sed -E 's#^( *)image: ghcr.io/siderolabs/kubelet:v.*$#\1image: ghcr.io/siderolabs/kubelet:v1.20.0#' "$cp" > "$m/old-kubelet.yaml"
  expect_fail "$line: no control plane endpoint" 'endpoint (is required|must be specified)' "$v" config "$m/no-endpoint.yaml"
  expect_fail "$line: machine.type bogus" 'unknown machine type' "$v" config "$m/bogus-type.yaml"
  expect_fail "$line: a worker carrying cluster.etcd" 'etcd config is only allowed on control plane' "$v" config "$m/worker-etcd.yaml"
  expect_fail "$line: an unknown key (strict decoding)" 'unknown keys found' "$v" config "$m/unknown-key.yaml"
  expect_fail "$line: a control plane without machine.ca.key" 'issuing CA key is required' "$v" config "$m/no-ca-key.yaml"
  expect_fail "$line: duplicate inline manifest names" 'inline manifest name "a" is duplicate' "$v" config "$m/dup-inline.yaml"
  expect_fail "$line: a kubelet too old for this Talos" 'too old to be used with Talos' "$v" config "$m/old-kubelet.yaml"

  # the secrets bundle
  sed '/^trustdinfo:$/,/^    token:/ s/^    token: .*/    token: ""/' "$g/secrets.yaml" > "$m/bundle-notoken.yaml"
  sed 's/^secrets:$/secrets:\n    bogus: 1/' "$g/secrets.yaml" > "$m/bundle-unknown.yaml"
  expect_fail "$line: bundle without trustdinfo.token" 'trustdinfo.token is required' "$v" bundle "$m/bundle-notoken.yaml"
  expect_fail "$line: bundle with an unknown key" 'strict decode' "$v" bundle "$m/bundle-unknown.yaml"

  # ESO inside a machine config, extracted the way Talos reads it
  if [ "$line" = 1.14 ]; then
    inline_doc "$cp" "$good" > "$m/cp-eso.yaml"; inline_doc "$cp" "$t/eso-unknown.yaml" > "$m/cp-eso-bad.yaml"
  else
    inline_legacy "$cp" "$good" > "$m/cp-eso.yaml"; inline_legacy "$cp" "$t/eso-unknown.yaml" > "$m/cp-eso-bad.yaml"
  fi
  expect_ok "$line: a control plane with ESO inline manifests passes" "$v" config "$m/cp-eso.yaml"
  "$v" manifests --out "$m" "$m/cp-eso.yaml" > /dev/null
  expect_ok "$line: ... and its extracted manifest decodes strictly" "$eso" "$m/cp-eso--castellan-eso.yaml"
  expect_ok "$line: esocheck reads the machine config directly too" "$eso" "$m/cp-eso.yaml"
  expect_fail "$line: Talos does not look inside manifests, esocheck does" 'unknown field.*universalAuth' \
    "$here/check.sh" --build "$b" "$line" "$(mkdir -p "$m/dir" && cp "$m/cp-eso-bad.yaml" "$m/dir/" && echo "$m/dir")"

  case $line in
    1.14)
      awk 'BEGIN { RS = "---\n"; ORS = "" } !/kind: KubeEtcdEncryptionConfig\n/ { if (n++) print "---\n"; print }' "$cp" > "$m/no-etcd-enc.yaml"
      sed 's/^cluster:$/cluster:\n    secretboxEncryptionSecret: O8lyty655GUi32I98PllvC5v15opDoGOE3Fb0PxSwmk=/' "$cp" > "$m/both-secretbox.yaml"
      sed 's/^cluster:$/cluster:\n    controlPlane:\n        endpoint: https:\/\/10.0.0.10:6443/' "$cp" > "$m/both-endpoint.yaml"
      { cat "$wk"; printf -- '---\napiVersion: v1alpha1\nkind: KubeAPIServerConfig\nimage: registry.k8s.io/kube-apiserver:v1.37.0\n'; } > "$m/worker-apiserver.yaml"
      expect_fail "1.14: a control plane without KubeEtcdEncryptionConfig (nor the legacy secret)" 'etcd encryption config is required' "$v" config "$m/no-etcd-enc.yaml"
      expect_fail "1.14: secretbox both legacy and as KubeEtcdEncryptionConfig" 'etcd encryption config is already set' "$v" config "$m/both-secretbox.yaml"
      expect_fail "1.14: endpoint both legacy and in KubeClusterConfig" 'cluster endpoint is already set' "$v" config "$m/both-endpoint.yaml"
      expect_fail "1.14: a control-plane-only document on a worker" 'only allowed on control plane machines' "$v" config "$m/worker-apiserver.yaml"
      "$v" gen --version-contract v1.13 --out "$g-legacy" > /dev/null 2>&1
      expect_ok "1.14: the legacy (contract v1.13) single-document layout still passes" "$v" config "$g-legacy/controlplane.yaml" "$g-legacy/worker.yaml"
      ;;
    *)
      "$v" gen --install-disk "" --out "$g-nodisk" > /dev/null 2>&1
      expect_ok "$line: no install disk is fine in cloud mode (nocloud)" "$v" config "$g-nodisk/controlplane.yaml"
      expect_fail "$line: ... but not in metal mode" 'install disk or diskSelector' "$v" config --mode metal "$g-nodisk/controlplane.yaml"
      ;;
  esac
done

# --- across lines: a config is for the line it was rendered for
for line in 1.11 1.12 1.13; do
  expect_fail "$line: 1.14's multi-document layout is refused" 'not registered' "$b/talos/validate-v$line" config "$t/1.14/controlplane.yaml"
done
expect_fail "1.11: a 1.12 config is refused (machine.install.grubUseUKICmdline)" 'grubUseUKICmdline' "$b/talos/validate-v1.11" config "$t/1.12/controlplane.yaml"
expect_ok "1.14: a 1.13 config passes" "$b/talos/validate-v1.14" config "$t/1.13/controlplane.yaml" "$t/1.13/worker.yaml"

# --- rendered output handed in by the caller
for r in "$@"; do
  found=0
  for sub in "$r"/v1.1? "$r"/1.1?; do
    [ -d "$sub" ] && [ -n "$(talos_line "$(basename "$sub")")" ] || continue
    found=1
    expect_ok "rendered $sub for Talos $(talos_line "$(basename "$sub")")" "$here/check.sh" --build "$b" "$(basename "$sub")" "$sub"
  done
  [ $found -eq 1 ] && continue
  line=$(talos_line "$(basename "$r")")
  [ -n "$line" ] || { [ -f "$r/TALOS_LINE" ] && line=$(talos_line "$(tr -d ' \n' < "$r/TALOS_LINE")"); }
  if [ -n "$line" ]; then
    expect_ok "rendered $r for Talos $line" "$here/check.sh" --build "$b" "$line" "$r"
  else
    bad "rendered $r: no Talos line (want v1.1X/ subdirectories, a v1.1X directory name or a TALOS_LINE file)"
  fi
done
finish
