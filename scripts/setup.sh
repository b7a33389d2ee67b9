#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need, once.
# Fast when everything is there: it asks dpkg before it asks apt.
set -euo pipefail

pkgs=(
  # build: compilers, the Debian source tooling, autotools for libyaml/curl
  build-essential musl-tools dpkg-dev autoconf automake libtool pkg-config
  # image: kernel modules metadata, initramfs, BIOS+UEFI ISO
  kmod cpio xorriso mtools grub-common grub-pc-bin grub-efi-amd64-bin ca-certificates
  # tests: the emulator, UEFI firmware, ISO readers (isoinfo, blkid, file),
  # the reference age tool, libFuzzer, openssl and curl for the PKI and twin
  # checks, and python3 for small fixture edits
  qemu-system-x86 ovmf genisoimage util-linux file age clang libclang-rt-14-dev
  openssl curl python3
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
