#!/usr/bin/env bash
# tests/talos/check.sh [--mode cloud|metal|container] [--build BUILDDIR] LINE DIR...
#
# Validates a directory of rendered Talos output with Talos's own code for
# one Talos line (LINE: 1.11, 1.12, 1.13 or 1.14; "v1.13" or "v1.13.9" are
# taken too). Builds the validator for LINE into BUILDDIR/talos/ if stale
# (BUILDDIR defaults to build/). Run from anywhere.
#
# In each DIR:
#   secrets.yaml, *.secrets.yaml  a `talosctl gen secrets` bundle: loaded with
#                                 secrets.LoadBundle, unknown keys rejected,
#                                 then Bundle.Validate
#   manifests/*.yaml              plain Kubernetes manifests: esocheck
#   every other *.yaml / *.yml    a machine config: configloader + Validate in
#                                 --mode (default cloud: what Talos's nocloud
#                                 platform, used on Proxmox, reports), strict
#                                 (warnings fail), + RuntimeValidate; then its
#                                 inline manifests (cluster.inlineManifests,
#                                 1.14 KubeInlineManifestConfig), as Talos
#                                 extracts them, through esocheck
# Prints one "ok FILE ..." or "FAIL FILE: reason" line per check; exits 1 if
# anything failed, 2 on usage errors.
set -u
mode=cloud
build=build
while [ $# -gt 0 ]; do
  case $1 in
    --mode) mode=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { sed -n '2,3p' "$0" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
dirs=()
for d in "${@:2}"; do
  [ -d "$d" ] || { echo "check.sh: $d: not a directory" >&2; exit 2; }
  dirs+=("$(cd "$d" && pwd)")
done
case $build in /*) ;; *) build=$PWD/$build ;; esac
cd "$here/../.."
. tests/talos/common.sh

line=$(talos_line "$1")
[ -n "$line" ] || { echo "check.sh: unsupported Talos line '$1' (have: $talos_lines)" >&2; exit 2; }
talos_build "$build" "$line" || { echo "FAIL build validate-v$line"; exit 1; }
v=$build/talos/validate-v$line
eso=$build/talos/esocheck
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rc=0
for d in "${dirs[@]}"; do
  shopt -s nullglob
  files=("$d"/*.yaml "$d"/*.yml "$d"/manifests/*.yaml "$d"/manifests/*.yml)
  [ ${#files[@]} -gt 0 ] || { echo "FAIL $d: nothing to check (no *.yaml)"; rc=1; }
  for f in "$d"/*.yaml "$d"/*.yml; do
    case $(basename "$f") in
      secrets.yaml | *.secrets.yaml) "$v" bundle "$f" || rc=1 ;;
      *)
        "$v" config --mode "$mode" "$f" || rc=1
        rm -rf "$tmp/m" && mkdir -p "$tmp/m"
        "$v" manifests --out "$tmp/m" "$f" >/dev/null || rc=1
        for m in "$tmp"/m/*.yaml; do
          "$eso" "$m" > "$tmp/out"; s=$?
          sed "s|$tmp/m/|$f: inline manifest |" "$tmp/out"
          [ $s -eq 0 ] || rc=1
        done
        ;;
    esac
  done
  for f in "$d"/manifests/*.yaml "$d"/manifests/*.yml; do
    "$eso" "$f" || rc=1
  done
  shopt -u nullglob
done
exit $rc
