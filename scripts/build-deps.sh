#!/usr/bin/env bash
# Builds the four libraries castellan links (BearSSL, libcurl, cJSON, libyaml)
# from the Debian bookworm source packages pinned in scripts/deps.pins.
#
# Two sysroots come out, in a cache directory outside git:
#   musl/  static, with musl-gcc: what build/castellan links
#   host/  static, with the host gcc: what the unit tests link (so they can
#          run under AddressSanitizer); curl is not needed there
#
#   scripts/build-deps.sh            build (if not cached) and print the dir
#   scripts/build-deps.sh --dir      print the dir it would use, build nothing
#
# The cache key is the hash of the pins, this script and the patches, so a
# change to any of them builds afresh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
pins=$here/deps.pins
cache=${CASTELLAN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/castellan}
key=$(cat "$pins" "$0" "$here"/patches/* | sha256sum | cut -c1-16)
out=$cache/deps-$key

if [ "${1:-}" = --dir ]; then echo "$out"; exit 0; fi
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi

log() { echo "build-deps: $*" >&2; }
jobs=$(nproc 2>/dev/null || echo 2)
src=$cache/src
work=$(mktemp -d "$cache/work.XXXXXX" 2>/dev/null || { mkdir -p "$cache"; mktemp -d "$cache/work.XXXXXX"; })
trap 'rm -rf "$work"' EXIT

# --- fetch: a private deb-src list, so the machine's apt setup is untouched
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$src"
cat > "$apt_dir/sources.list" <<'EOF'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
EOF
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State::Lists=$apt_dir/lists" -o APT::Sandbox::User=root -q)

verified() {  # verified FILE SHA256
  [ -f "$src/$1" ] && [ "$(sha256sum "$src/$1" | cut -d' ' -f1)" = "$2" ]
}

fetch_all() {
  local updated=no pkg ver file sum
  while read -r pkg ver file sum; do
    verified "$file" "$sum" && continue
    if [ $updated = no ]; then
      log "refreshing the deb-src lists"
      apt-get "${apt_opts[@]}" update >&2
      updated=yes
    fi
    log "fetching $pkg $ver"
    (cd "$src" && apt-get "${apt_opts[@]}" source --download-only "$pkg=$ver" >&2) || {
      echo "build-deps: Debian no longer serves $pkg $ver; update scripts/deps.pins to the version it serves (apt-cache showsrc $pkg)." >&2
      exit 1; }
    verified "$file" "$sum" || {
      echo "build-deps: $file does not match its pinned sha256 in scripts/deps.pins; refusing to build it." >&2
      exit 1; }
  done < <(grep -v '^#' "$pins" | grep -v '^[[:space:]]*$')
}

unpack() {  # unpack PKG -> prints the source tree
  local pkg=$1 ver dsc
  ver=$(awk -v p="$pkg" '$1 == p {print $2; exit}' "$pins")
  dsc=$(awk -v p="$pkg" '$1 == p && $3 ~ /\.dsc$/ {print $3; exit}' "$pins")
  # dpkg-source checks every file against the checksums in the .dsc.
  dpkg-source -x "$src/$dsc" "$work/$pkg-$ver" >&2 2>&1 | grep -v '^dpkg-source: info' >&2 || true
  [ -d "$work/$pkg-$ver" ] || { echo "build-deps: could not unpack $dsc" >&2; exit 1; }
  echo "$work/$pkg-$ver"
}

cflags_musl='-Os -ffunction-sections -fdata-sections'
cflags_host='-O1 -g -fPIC'

build_bearssl() {  # build_bearssl SRCDIR PREFIX CC CFLAGS
  local d=$1 p=$2 cc=$3 cf=$4
  rm -rf "$d/build"
  make -C "$d" -j"$jobs" CONF=Unix CC="$cc" LD="$cc" LDDLL="$cc" \
       CFLAGS="-W -Wall $cf -fPIC" lib >&2
  mkdir -p "$p/lib" "$p/include/bearssl"
  cp "$d/build/libbearssl.a" "$p/lib/"
  cp "$d"/inc/*.h "$p/include/bearssl/"
  printf '#include "bearssl/bearssl.h"\n' > "$p/include/bearssl.h"
}

build_cjson() {
  local d=$1 p=$2 cc=$3 cf=$4
  (cd "$d" && $cc -std=c89 $cf -c cJSON.c -o cJSON.o && ar rcs libcjson.a cJSON.o)
  mkdir -p "$p/lib" "$p/include/cjson"
  cp "$d/libcjson.a" "$p/lib/"; cp "$d/cJSON.h" "$p/include/cjson/"
}

build_libyaml() {
  local d=$1 p=$2 cc=$3 cf=$4 host=$5
  (cd "$d" && autoreconf -fi >&2 2>&1 && \
   CC=$cc CFLAGS="$cf" ./configure --host="$host" --build=x86_64-linux-gnu --prefix="$p" \
      --disable-shared --enable-static >&2 && \
   make -j"$jobs" -C src >&2 && make -C src install >&2 && make -C include install >&2)
}

build_curl() {
  local d=$1 p=$2
  # dpkg-source applied the GnuTLS and NSS flavour patches; the plain
  # flavour is what debian/rules builds after popping them, newest first.
  (cd "$d" && patch -s -R -p1 < debian/patches/99_nss.patch && patch -s -R -p1 < debian/patches/90_gnutls.patch)
  (cd "$d" && patch -s -p1 < "$here/patches/curl-bearssl-handshake-wait.patch")
  (cd "$d" && autoreconf -fi >&2 2>&1 && \
   CC=musl-gcc CFLAGS="$cflags_musl" CPPFLAGS="-I$p/include" LDFLAGS="-L$p/lib" \
   PKG_CONFIG_LIBDIR=$p/lib/pkgconfig PKG_CONFIG_PATH= \
   ./configure --host=x86_64-linux-musl --build=x86_64-linux-gnu --prefix="$p" \
     --disable-shared --enable-static --with-pic \
     --with-bearssl="$p" --without-nghttp2 --disable-http2 \
     --without-zlib --without-brotli --without-zstd --without-libpsl --without-libidn2 \
     --without-librtmp --without-libssh2 --without-libssh --without-wolfssh --without-hyper \
     --without-ngtcp2 --without-nghttp3 --without-quiche --without-msh3 --without-libgsasl \
     --without-ca-bundle --without-ca-path --without-ca-fallback \
     --disable-ares --enable-threaded-resolver --enable-ipv6 \
     --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet --disable-tftp \
     --disable-pop3 --disable-imap --disable-smtp --disable-gopher --disable-mqtt --disable-ftp \
     --disable-smb --disable-file --disable-ntlm --disable-ntlm-wb --disable-tls-srp \
     --disable-manual --disable-libcurl-option --disable-sspi --disable-alt-svc --disable-hsts \
     --disable-websockets --disable-cookies --disable-netrc --disable-doh --disable-proxy \
     --disable-unix-sockets --disable-basic-auth --disable-bearer-auth --disable-digest-auth \
     --disable-kerberos-auth --disable-negotiate-auth --disable-aws --disable-progress-meter \
     --disable-dateparse --disable-verbose --enable-symbol-hiding \
     --disable-dependency-tracking >&2 && \
   make -j"$jobs" -C lib >&2 && make -C lib install >&2 && make -C include install >&2)
  grep -q '^#define USE_BEARSSL 1' "$d/lib/curl_config.h" || {
    echo "build-deps: curl was not configured with BearSSL" >&2; exit 1; }
}

# Kernel UAPI headers for musl-gcc, which uses -nostdinc: only linux/ and
# asm/, never glibc's own headers.
kernel_headers() {
  local p=$1
  mkdir -p "$p/kinc"
  cp -a /usr/include/linux /usr/include/asm-generic "$p/kinc/"
  cp -a /usr/include/x86_64-linux-gnu/asm "$p/kinc/asm"
}

fetch_all
stage=$work/out
mkdir -p "$stage/musl" "$stage/host"

log "BearSSL"
d=$(unpack bearssl)
build_bearssl "$d" "$stage/musl" musl-gcc "$cflags_musl"
build_bearssl "$d" "$stage/host" gcc "$cflags_host"

log "cJSON"
d=$(unpack cjson)
build_cjson "$d" "$stage/musl" musl-gcc "$cflags_musl"
build_cjson "$d" "$stage/host" gcc "$cflags_host"

log "libyaml"
d=$(unpack libyaml); cp -a "$d" "$d.host"
build_libyaml "$d" "$stage/musl" musl-gcc "$cflags_musl" x86_64-linux-musl
build_libyaml "$d.host" "$stage/host" gcc "$cflags_host" x86_64-linux-gnu

log "curl (BearSSL, HTTP/1.1 only)"
d=$(unpack curl)
build_curl "$d" "$stage/musl"

kernel_headers "$stage/musl"
awk '!/^#/ && NF {print $1, $2}' "$pins" | sort -u > "$stage/VERSIONS"

# The stage holds absolute prefixes from configure only in .la/.pc files,
# which nothing here reads; move it into place whole.
rm -rf "$out"
mv "$stage" "$out"
touch "$out/.done"
log "done: $out"
echo "$out"
