#!/usr/bin/env bash
# Boot tests: the appliance ISO in QEMU (TCG) on a cidata seed, judged by
# what the guest prints on its console (ttyS0) and JSON port (ttyS1).
#
#   tests/boot/run.sh BUILDDIR       (make boot-test)
#
#   a  BIOS, good seed on an IDE CD-ROM, user networking: modules, DHCP,
#      seed, summary, secrets from the Infisical twin (on the host, reached
#      at 10.0.2.2), token revoked, memory wiped, power-off, JSON log, and
#      no secret value on either console
#   b  BIOS, seed with a bad node address on virtio-blk: the one error line
#      naming the field, power-off
#   c  UEFI (OVMF, q35), good seed, user networking: the whole run, power-off
#
# BUILDDIR/castellan.iso must be the demo image (make demo-image): the good
# fixture's identity is sealed to its throwaway key, BUILDDIR/demo/identity.key.
# Boots are slow under TCG (15-25 s each), so there are only three.
# Seeds go to BUILDDIR/test-seeds/, consoles and JSON logs to
# BUILDDIR/test-boot/. CASTELLAN_BOOT_TIMEOUT bounds one boot (default 300 s).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() { echo "boot: error: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: tests/boot/run.sh BUILDDIR"
b=$1
iso=$b/castellan.iso
[ -f "$iso" ] || die "no $iso (run make image)"
command -v python3 >/dev/null || die "python3 not found (run scripts/setup.sh)"
seeds=$b/test-seeds logs=$b/test-boot
mkdir -p "$seeds" "$logs" || die "cannot create $seeds or $logs"
# Case a generates the cluster's RSA-4096 service-account key under software
# emulation: minutes, depending on where the prime search lands.
timeout=${CASTELLAN_BOOT_TIMEOUT:-900}

# The Infisical twin on the host (qemu/twin.sh), and the good fixture
# pointed at it with the twin's identity, which mkseed seals to the image's key.
. "$repo/qemu/twin.sh"
twin_start "$repo" "$b" "$logs/twin" || die "the Infisical twin did not start"
trap 'kill $TWIN_PID 2>/dev/null; wait $TWIN_PID 2>/dev/null' EXIT
good=$seeds/good-dir
twin_fixture "$here/fixtures/good" "$good" || die "cannot point the fixture at the twin"
"$repo/qemu/mkseed.sh" "$good" "$seeds/good.iso" "$b"
"$repo/qemu/mkseed.sh" "$here/fixtures/bad-ip" "$seeds/bad-ip.iso" "$b"
# Values the twin holds; none may ever reach a console or the JSON port.
planted=("$TWIN_CLIENT_SECRET"
	iLD4Y/JXjOA4fXy5GLVEGJZusfv4R/3PT3JWRckXwBA= 7b5f1656-dbe1-4d05-ad0e-d854676096ac
	7aeac9c0b0c8ce27a9152a4d23273ba17c27cad20ac48eedbd40c696990f7c98)
no_secrets() {
	local v
	for v in "${planted[@]}"; do
		if grep -qF -- "$v" "$con" "$json"; then not_ok "$1: no secret value on the consoles"; return; fi
	done
	ok "$1: no secret value on the consoles"
}

passed=0 failed=0 case_failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "not ok - $*"; failed=$((failed + 1)); case_failed=1; }

# Init lines look like "[  12.345] stage: message"; kernel lines like
# "[   12.345678] reboot: Power down". Patterns match after the timestamp.
ts='\[ *[0-9]+\.[0-9]+\] '
count() { grep -Ec -- "$ts$1" "$con" || true; }
# expect N DESC PATTERN: the console holds exactly N such lines ("+" for 1 or more).
expect() {
	local n=$1 desc=$2 c
	c=$(count "$3")
	if [ "$n" = + ] && [ "$c" -ge 1 ] || [ "$n" = "$c" ]; then ok "$desc"
	else not_ok "$desc (found $c)"; fi
}

# boot NAME QEMU-RUN-ARGS...: one boot; sets con, json, rc.
boot() {
	local name=$1
	shift
	con=$logs/$name.console json=$logs/$name.jsonl raw=$logs/$name.console.raw
	rm -f "$con" "$json" "$raw"
	: >"$json"
	echo "# $name: booting (up to ${timeout}s)"
	rc=0
	"$repo/qemu/run.sh" --iso "$iso" --quiet --console "$raw" --json "$json" \
		--timeout "$timeout" "$@" </dev/null || rc=$?
	tr -d '\r' <"$raw" >"$con" 2>/dev/null || : >"$con"
	case_failed=0
}

# powered_off NAME: QEMU ended by itself with status 0 because the guest
# switched itself off (with panic=-1 a dead PID 1 also ends QEMU with 0).
powered_off() {
	if [ "$rc" = 0 ]; then ok "$1: QEMU exited 0"; else not_ok "$1: QEMU exited 0 (status $rc)"; fi
	expect + "$1: init said 'power: powering off'" 'power: powering off'
	expect + "$1: kernel said 'reboot: Power down'" 'reboot: Power down'
	if ! grep -q 'Kernel panic' "$con"; then ok "$1: no kernel panic"; else not_ok "$1: no kernel panic"; fi
}

# json_ok NAME STAGE LEVEL MSG-PREFIX: every line on ttyS1 is a JSON object
# with t, level, stage, msg, and one of them is the given event.
json_ok() {
	local out st=0
	out=$(python3 - "$json" "$2" "$3" "$4" <<'EOF' 2>&1
import json, sys
path, stage, level, prefix = sys.argv[1:]
n, found = 0, False
for i, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
    line = line.strip()
    if not line:
        continue
    try:
        ev = json.loads(line)
    except ValueError as e:
        sys.exit(f"line {i} is not JSON ({e}): {line[:120]}")
    if not isinstance(ev, dict) or not isinstance(ev.get("t"), (int, float)) \
            or not all(isinstance(ev.get(k), str) for k in ("level", "stage", "msg")):
        sys.exit(f"line {i} lacks t/level/stage/msg: {line[:120]}")
    n += 1
    found = found or (ev["stage"] == stage and ev["level"] == level
                      and ev["msg"].startswith(prefix))
if n == 0:
    sys.exit("no JSON lines at all")
if not found:
    sys.exit(f"{n} JSON lines, none is {level} {stage}: {prefix}...")
print(f"{n} lines")
EOF
	) || st=$?
	if [ "$st" = 0 ]; then ok "$1: ttyS1 holds JSON lines with the $2 event ($out)"
	else not_ok "$1: ttyS1 holds JSON lines with the $2 event: $out"; fi
}

show_console() {
	[ "$case_failed" = 0 ] && return
	echo "# --- $1: console ($con)"
	sed 's/^/# /' "$con"
	echo "# --- end of console"
}

summary='describe: cluster castle: 3 control planes, 2 workers'

# --- a: BIOS, good seed on IDE, network
mapfile -t answers < <(twin_answers "$good/user-data")
boot a --seed "$seeds/good.iso" --net "${answers[@]}"
expect + "a: castellan started as PID 1" 'boot: castellan [^ ]+ starting as PID 1'
expect + "a: kernel modules loaded" 'boot: loaded [1-9][0-9]* kernel modules'
expect + "a: seed found (IDE CD-ROM)" 'cidata: seed found on /dev/[a-z0-9]+ \(iso9660, label cidata\)'
expect + "a: DHCP lease 10.0.2.15/24 from QEMU's server" 'net: DHCP lease 10\.0\.2\.15/24 on eth0'
expect 0 "a: description parsed without error" 'describe: error'
expect 1 "a: summary printed" "$summary"
expect 1 "a: logged in to the Infisical twin" 'secrets: logged in to https://infisical\.twin:[0-9]+ as 3a717a21-'
expect 1 "a: required secrets present and well-formed" 'secrets: 5 secrets in locked memory; the required ones are present and well-formed'
expect 5 "a: the plan creates all five VMs" 'plan: 1[12]0[1-3] .* create   absent$'
expect 1 "a: a new bundle is generated and stored in Infisical first" \
	'pki: generated a new Talos secrets bundle and stored it in Infisical as TALOS_SECRETS'
expect 1 "a: five VMs created and started" 'deliver: 5 VMs created, 0 destroyed, 5 started'
expect 5 "a: every node answers on its port before the cleanup" 'verify: [a-z0-9]+ answers on 10\.0\.2\.2[1-5]:(6443|10250) after [0-9]+ s'
expect 1 "a: the canary is planted before the nodes exist" 'pki: planted CASTELLAN_CANARY_[a-z0-9]{8} in Infisical for ESO to echo'
expect 1 "a: the (simulated) ESO echoes it" 'verify: ESO echoed the canary after [0-9]+ s'
expect 1 "a: canary and echo are deleted" 'cleanup: the canary and its echo deleted from Infisical'
expect 1 "a: every cidata ISO is ejected and deleted" 'cleanup: every cidata ISO of this run ejected and deleted'
expect 1 "a: access token revoked at the end" 'cleanup: Infisical access token revoked'
expect 1 "a: secret memory zeroed" 'wipe: secret memory zeroed'
expect 1 "a: the run completed" 'run: done: 5 VMs created'
# What the simulated Proxmox holds now: each node booted on its own config.
tw() { curl -sS --cacert "$TWIN_CA" "https://127.0.0.1:$TWIN_PORT/_twin/$1"; }
nodes=$(tw pve/state | python3 -c '
import json, sys
s = json.load(sys.stdin)
left = [v["volid"] for st in s["storages"] for v in st["volumes"] if "cidata" in v["volid"]]
for v in s["vms"]:
    if "castellan-castle" in v.get("config", {}).get("tags", ""):
        ud = (v.get("cidata") or {}).get("userData") or ""
        t = [l.split(":")[1].strip() for l in ud.splitlines() if l.startswith("  type:")]
        print(v["config"]["name"], v["status"], t[0] if t else "-", "left" if left else "clean")')
[ "$(echo "$nodes" | sort | tr '\n' ' ')" = "cp1 running init clean cp2 running controlplane clean cp3 running controlplane clean w1 running worker clean w2 running worker clean " ] &&
	ok "a: on the Proxmox twin, five VMs run, each booted its own config (cp1 init), no cidata ISO left" ||
	not_ok "a: the VMs on the Proxmox twin: $nodes"
# The generated bundle's cluster secret joins the values never to be printed.
planted+=("$(tw state | python3 -c '
import json, sys
for x in json.load(sys.stdin)["secrets"]:
    if x["key"] == "TALOS_SECRETS":
        print([l.split(":", 1)[1].strip() for l in x["value"].splitlines() if l.startswith("    secret:")][0])')")
[ -n "${planted[-1]}" ] && ok "a: TALOS_SECRETS is in Infisical" || not_ok "a: TALOS_SECRETS is in Infisical"
[ "$(tw state | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin)["secrets"] if x["key"].startswith("CASTELLAN_")))')" = 0 ] &&
	ok "a: no canary or echo is left in Infisical" || not_ok "a: no canary or echo is left in Infisical"
# The handback: each client certificate verifies against its CA, as
# talosctl and kubectl would check it; its key joins the planted values.
expect 1 "a: the talosconfig is handed back" 'handback: stored TALOSCONFIG in Infisical'
expect 1 "a: the kubeconfig is handed back" 'handback: stored KUBECONFIG in Infisical'
tw state | python3 -c '
import base64, json, re, sys
out = sys.argv[1]
v = {x["key"]: x["value"] for x in json.load(sys.stdin)["secrets"]}
def field(text, name):
    return base64.b64decode(re.search(r"(?m)^\s*" + name + r": (\S+)$", text).group(1))
for secret, ca, crt, key in (("TALOSCONFIG", "ca", "crt", "key"),
        ("KUBECONFIG", "certificate-authority-data", "client-certificate-data", "client-key-data")):
    t = v.get(secret, "")
    if not t:
        continue
    open(f"{out}/{secret}.ca", "wb").write(field(t, ca))
    open(f"{out}/{secret}.crt", "wb").write(field(t, crt))
    print(re.search(r"(?m)^\s*" + key + r": (\S+)$", t).group(1))' "$logs" > "$logs/handback.keys"
for s in TALOSCONFIG KUBECONFIG; do
	openssl verify -purpose sslclient -CAfile "$logs/$s.ca" "$logs/$s.crt" >/dev/null 2>&1 &&
		ok "a: the $s client certificate verifies against its CA" || not_ok "a: the $s client certificate verifies against its CA"
done
while read -r k; do planted+=("$k"); done < "$logs/handback.keys"
no_secrets a
powered_off a
json_ok a describe info 'cluster castle: '
show_console a

# --- b: BIOS, malformed description on virtio-blk, no network
boot b --seed "$seeds/bad-ip.iso" --seed-virtio
expect + "b: seed found (virtio-blk)" 'cidata: seed found on /dev/vd[a-z]+ \(iso9660, label cidata\)'
expect 1 "b: exactly one describe error line" 'describe: error: '
expect 1 "b: the error names castellan.cluster.nodes[1].ip and its value" \
	'describe: error: castellan\.cluster\.nodes\[1\]\.ip: "10\.0\.0\.300" is not an IPv4 address$'
expect 0 "b: no summary for a broken description" 'describe: cluster '
powered_off b
json_ok b describe error 'castellan.cluster.nodes[1].ip: '
show_console b

# --- c: UEFI, good seed, network
boot c --uefi --seed "$seeds/good.iso" --net "${answers[@]}"
expect + "c: castellan started as PID 1 under OVMF" 'boot: castellan [^ ]+ starting as PID 1'
expect + "c: seed found (AHCI CD-ROM)" 'cidata: seed found on /dev/[a-z0-9]+ \(iso9660, label cidata\)'
expect 1 "c: summary printed" "$summary"
expect 1 "c: the bundle stored by run a is loaded" 'pki: Talos secrets bundle loaded from Infisical; an existing cluster'
expect 5 "c: the plan keeps every running VM" 'plan: 1[12]0[1-3] .* keep     owned, running$'
expect 1 "c: a second run changes nothing" 'run: done: 0 VMs created, 0 destroyed, 0 started'
expect 1 "c: the handback is issued again" 'handback: stored KUBECONFIG in Infisical'
expect 5 "c: every node answers" 'verify: [a-z0-9]+ answers on '
expect 1 "c: no canary for a cluster born earlier" 'verify: every node answers; the cluster was not born in this run'
no_secrets c
powered_off c
show_console c

# --- d: BIOS, good seed, network, but w2 never answers
mapfile -t answers < <(twin_answers "$good/user-data" w2)
boot d --seed "$seeds/good.iso" --net "${answers[@]}"
expect 4 "d: the four other nodes answer" 'verify: [a-z0-9]+ answers on '
expect 1 "d: the silent node is named, with its address and port" \
	'verify: error: no answer within 60 s from w2 \(10\.0\.2\.25:10250\): '
expect 1 "d: the run stops in verify, having changed nothing" 'run: error: stopped in stage verify; nothing was changed'
expect 1 "d: the access token is still revoked" 'cleanup: Infisical access token revoked'
no_secrets d
powered_off d
show_console d

echo "boot: $passed passed, $failed failed"
[ "$failed" = 0 ]
