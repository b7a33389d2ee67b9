#!/usr/bin/env bash
# The one QEMU launcher for the appliance (demo, boot tests, bench).
#
#   qemu/run.sh --iso build/castellan.iso [options] [-- extra qemu args]
#   qemu/run.sh --kernel VMLINUX --initrd INITRAMFS [--append CMDLINE] [options]
#
#   --iso PATH        boot this ISO from the first IDE CD-ROM
#   --kernel PATH     boot a kernel directly instead (the uncompressed
#   --initrd PATH       vmlinux boots through PVH: no in-guest decompression);
#   --append CMDLINE    default command line: the one in image/grub.cfg
#   --seed PATH       attach a cidata seed ISO as a second IDE CD-ROM
#   --seed-virtio     ... as a raw virtio-blk disk instead
#   --uefi            q35 + OVMF (a private copy of the VARS), -m 512
#   --net             user-mode network (QEMU's DHCP gives 10.0.2.15) on a
#                     virtio-net NIC; default: no NIC at all
#   --answer IP:PORT  with --net: a TCP connection from the guest to IP:PORT
#                     (inside 10.0.2.0/24) is accepted, as a booted Talos
#                     node's port would be (repeatable)
#   --console FILE    ttyS0 (the console) into FILE as well as stdout
#   --quiet           ttyS0 not on stdout (only into --console FILE, if any)
#   --json FILE       a second serial port, ttyS1 (the JSON log), into FILE
#   --timeout SECS    kill QEMU and exit 124 when it has not exited by then
#   --mem MB          guest RAM (default 256, 512 with --uefi: GRUB on OVMF
#                     runs out of memory with 256)
#
# Always TCG (this project's machines have no usable KVM), headless, and
# -no-reboot: a guest that reboots, or panics with panic=-1, ends QEMU.
# Exit status: QEMU's, 0 when the guest powered off (or rebooted).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "qemu: error: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

iso= kernel= initrd= append= seed= seed_virtio=0 uefi=0 net=0
console= quiet=0 json= timeout= mem= fwd=
while [ $# -gt 0 ]; do
	case $1 in
	--iso) iso=${2:?--iso needs a path}; shift 2 ;;
	--kernel) kernel=${2:?--kernel needs a path}; shift 2 ;;
	--initrd) initrd=${2:?--initrd needs a path}; shift 2 ;;
	--append) append=${2?--append needs a command line}; shift 2 ;;
	--seed) seed=${2:?--seed needs a path}; shift 2 ;;
	--seed-virtio) seed_virtio=1; shift ;;
	--uefi) uefi=1; shift ;;
	--net) net=1; shift ;;
	--answer) fwd+=",guestfwd=tcp:${2:?--answer needs IP:PORT}-cmd:true"; shift 2 ;;
	--console) console=${2:?--console needs a file}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--json) json=${2:?--json needs a file}; shift 2 ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift 2 ;;
	--mem) mem=${2:?--mem needs megabytes}; shift 2 ;;
	-h | --help) usage ;;
	--) shift; break ;;
	*) echo "qemu: error: unknown option $1" >&2; usage ;;
	esac
done

command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run scripts/setup.sh)"
[ -n "$iso$kernel" ] || die "nothing to boot: give --iso or --kernel"
[ -z "$iso" ] || [ -z "$kernel" ] || die "give --iso or --kernel, not both"
for f in "$iso" "$kernel" "$initrd" "$seed"; do
	[ -z "$f" ] || [ -f "$f" ] || die "no such file: $f"
done
[ -z "$timeout" ] || [[ $timeout =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds, not $timeout"
[ -z "$mem" ] || [[ $mem =~ ^[0-9]+$ ]] || die "--mem takes megabytes, not $mem"

tmp=$(mktemp -d) || die "cannot create a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT; trap 'exit 143' TERM   # so the EXIT trap cleans up

# -nodefaults: no empty CD-ROM drive (the init would probe it and the kernel
# log I/O errors), no floppy, no stray NIC; the screen (tty0) comes back
# with -vga std.
args=(-name castellan -accel tcg -smp 1 -no-reboot -nodefaults
	-display none -monitor none -vga std
	# the host's entropy, as a Proxmox VM can have it (virtio_rng)
	-device virtio-rng-pci)

if [ "$uefi" = 1 ]; then
	code=/usr/share/OVMF/OVMF_CODE_4M.fd vars=/usr/share/OVMF/OVMF_VARS_4M.fd
	[ -f "$code" ] && [ -f "$vars" ] || die "OVMF firmware not found in /usr/share/OVMF (apt-get install ovmf)"
	cp "$vars" "$tmp/vars.fd"
	args+=(-machine q35 -m "${mem:-512}"
		-drive "if=pflash,format=raw,readonly=on,file=$code"
		-drive "if=pflash,format=raw,file=$tmp/vars.fd")
else
	args+=(-machine pc -m "${mem:-256}")
fi

if [ -n "$iso" ]; then
	# On q35, if=ide lands on the AHCI controller.
	args+=(-drive "file=$iso,format=raw,if=ide,index=0,media=cdrom,readonly=on" -boot order=d)
else
	if [ -z "$append" ]; then
		append=$(sed -n 's/^[[:space:]]*linux[[:space:]]\+[^[:space:]]\+[[:space:]]\+//p' "$here/../image/grub.cfg" | head -n1)
		[ -n "$append" ] || die "no linux line in image/grub.cfg to take the command line from"
	fi
	args+=(-kernel "$kernel" -append "$append")
	[ -z "$initrd" ] || args+=(-initrd "$initrd")
fi

if [ -n "$seed" ]; then
	if [ "$seed_virtio" = 1 ]; then
		args+=(-drive "file=$seed,format=raw,if=virtio,readonly=on")
	else
		args+=(-drive "file=$seed,format=raw,if=ide,index=1,media=cdrom,readonly=on")
	fi
fi

if [ "$net" = 1 ]; then
	# romfile= skips the iPXE option ROM: about a second less under TCG.
	args+=(-netdev "user,id=net0$fwd" -device virtio-net-pci,netdev=net0,romfile=)
else
	args+=(-nic none)
fi

# ttyS0 first, then ttyS1: the order of -serial is the order of the ports.
if [ "$quiet" = 1 ]; then
	if [ -n "$console" ]; then args+=(-chardev "file,id=ttyS0,path=$console")
	else args+=(-chardev null,id=ttyS0); fi
elif [ -n "$console" ]; then
	args+=(-chardev "stdio,id=ttyS0,signal=on,logfile=$console")
else
	args+=(-chardev stdio,id=ttyS0,signal=on)
fi
args+=(-serial chardev:ttyS0)
[ -z "$json" ] || args+=(-chardev "file,id=ttyS1,path=$json" -serial chardev:ttyS1)

args+=("$@")

# --foreground: QEMU keeps the terminal (its stdio console reads it).
run=(qemu-system-x86_64)
[ -z "$timeout" ] || run=(timeout --foreground -k 5 "$timeout" qemu-system-x86_64)
rc=0
"${run[@]}" "${args[@]}" || rc=$?
if [ "$rc" = 124 ]; then echo "qemu: timeout: the guest did not exit within ${timeout}s" >&2; fi
exit "$rc"
