# Sourced by tests/talos/run.sh and check.sh (from the repository root).
# talos_build BUILDDIR [LINE...]: builds what is stale, quietly:
#   BUILDDIR/talos/validate-vX.Y   one per Talos line (mod/vX.Y.mod + .sum,
#                                  build tag talosXY, e.g. talos113)
#   BUILDDIR/talos/esocheck        the ESO/Kubernetes strict decoder
# A binary is rebuilt when its sources, modfile, sum or the Go version
# change (a .stamp file beside it holds their hash). The sums are
# committed: a clean machine downloads exactly these versions.

command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH=$PATH:/usr/local/go/bin

talos_lines="1.11 1.12 1.13 1.14"
talos_dir=tests/talos

# talos_line LINE: "1.13", "v1.13" or "v1.13.9" -> "1.13"; empty if unsupported.
talos_line() {
  local l=${1#v}
  l=$(echo "$l" | cut -d. -f1,2)
  case " $talos_lines " in *" $l "*) echo "$l" ;; esac
}

_talos_stamp() { # FILES... -> hash of their contents and the Go version
  { go version; cat "$@"; } | sha256sum | cut -d' ' -f1
}

# _talos_make OUT STAMPFILES DIR GOARGS...: build OUT in DIR if stale.
_talos_make() {
  local out=$1 stamp=$2 dir=$3; shift 3
  if [ -x "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then return 0; fi
  mkdir -p "$(dirname "$out")"
  (cd "$dir" && go build "$@" -o "$out.tmp" .) >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
  mv "$out.tmp" "$out" && echo "$stamp" > "$out.stamp"
}

talos_build() {
  local b line lines out
  b=$(cd "$1" 2>/dev/null && pwd) || { mkdir -p "$1" && b=$(cd "$1" && pwd); }
  shift
  lines=${*:-$talos_lines}
  for line in $lines; do
    out=$b/talos/validate-v$line
    _talos_make "$out" \
      "$(_talos_stamp $talos_dir/validate/*.go $talos_dir/mod/v$line.mod $talos_dir/mod/v$line.sum)" \
      $talos_dir/validate -modfile=../mod/v$line.mod -tags "talos${line/./}" || return 1
  done
  out=$b/talos/esocheck
  _talos_make "$out" \
    "$(_talos_stamp $talos_dir/esocheck/*.go $talos_dir/esocheck/go.mod $talos_dir/esocheck/go.sum)" \
    $talos_dir/esocheck || return 1
}
