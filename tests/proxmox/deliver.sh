#!/usr/bin/env bash
# The appliance's deliver stage against the Proxmox twin, through a test
# driver linked with the appliance's objects: list, plan, deliver, and the
# cleanup that runs on every path. Usage: tests/proxmox/deliver.sh BUILDDIR
#
# Talos v1.11.0 is described so the Talos ISO is missing at first and must
# come through download-url (the twin's catalog serves it).
set -uo pipefail
b=${1:?usage: tests/proxmox/deliver.sh BUILDDIR}
bin=$b/castellan suite=deliver
t=$(mktemp -d)
. tests/lib.sh
. tests/proxmox/setup.sh
export TALOS=v1.11.0
talos_iso=talos-v1.11.0-376567988ad3-nocloud-amd64.iso
link_driver tests/proxmox/driver.c "$b/proxmox-driver"

# Each node's cidata ISO: its own user-data, so the test can tell them apart.
mkdir -p "$t/ci"
for n in cp1 cp2 cp3 w1 w2 w3; do
  mkdir -p "$t/seed-$n"
  printf 'version: v1alpha1\n# node %s\n' "$n" > "$t/seed-$n/user-data"
  printf 'instance-id: %s\nlocal-hostname: %s\n' "$n" "$n" > "$t/seed-$n/meta-data"
  "$bin" cidata -o "$t/ci/$n.iso" --meta-data "$t/seed-$n/meta-data" "$t/seed-$n/user-data" ||
    give_up "castellan cidata makes the seed of $n"
done
reconcile() {  # reconcile USER-DATA: one deliver run; output in $dout, status in $drc
  dout=$(PVE_TOKEN_ID='castellan@pve!castellan' PVE_TOKEN_SECRET=7b5f1656-dbe1-4d05-ad0e-d854676096ac \
         "$b/proxmox-driver" "$1" "pve.twin:$port:127.0.0.1" reconcile "$t/ci" - 2>"$t/drv.log"); drc=$?
}
# reconcile_faulted FAULTS USER-DATA: one run with the twin's faults set
reconcile_faulted() {
  c -X POST -d "$1" "$ctl/faults" >/dev/null
  reconcile "$2"
  c -X DELETE "$ctl/faults" >/dev/null
}
state() { c "$ctl/state" > "$t/state.json"; }
# q PYTHON-EXPR: evaluated over the twin's state as s, printed
q() { state; python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$t/state.json" "$1"; }
castle_running() { q 'sum(1 for v in s["vms"] if "castellan-castle" in v.get("config",{}).get("tags","") and v.get("status")=="running")'; }
cidata_left() { q 'sum(1 for st in s["storages"] for v in st.get("volumes",[]) if "cidata" in v.get("volid",""))'; }
mutations() { c "$ctl/requests" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["requests"] if r["method"]!="GET"))'; }
fresh_twin() { c -X POST "$ctl/reset" >/dev/null; c -X DELETE "$ctl/requests" >/dev/null; }
# twin_with PYTHON: a fresh twin from the sample config as the statements
# change it (the config is c; vm(N) is VM N's config)
twin_with() {
  python3 -c 'import json,sys
c = json.load(open("tests/twin/testdata/proxmox.json"))
vm = lambda n: [v for v in c["vms"] if v["vmid"] == n][0]["config"]
exec(sys.argv[1])
print(json.dumps(c))' "$1" | c -X POST --data-binary @- "$ctl/reset" >/dev/null
  c -X DELETE "$ctl/requests" >/dev/null
}
# wait_unlocked VMID: until the VM exists with no config lock (5 s at most)
wait_unlocked() {
  for _ in $(seq 50); do
    [ "$(q "[v['config'].get('lock', '') for v in s['vms'] if v['vmid'] == $1]")" = "['']" ] && return 0
    sleep 0.1
  done
  return 1
}

userdata "$t/castle.yaml" castle reconcile "    pin_sha256: $pin"
fresh_twin
reconcile "$t/castle.yaml"
[ $drc -eq 0 ] && grep -q 'created 6 destroyed 0 started 6' <<<"$dout" && [ "$(castle_running)" = 6 ] &&
  ok "a fresh 3+3 cluster: six VMs created and running" || bad "fresh create (rc $drc): $dout $(tail -5 "$t/drv.log")"
[ "$(q "sorted(set(st['node'] for st in s['storages'] for v in st['volumes'] if v['volid'].endswith('$talos_iso')))")" = "['pve1', 'pve2']" ] &&
  grep -q 'downloading it from the Image Factory' "$t/drv.log" &&
  ok "the missing Talos ISO is downloaded once per node with non-shared storage" || bad "Talos ISO: $(grep -i download "$t/drv.log")"
read_ok=0
for n in cp1 cp2 cp3 w1 w2 w3; do
  got=$(q "[v['cidata']['userData'] for v in s['vms'] if v.get('config',{}).get('name')=='$n'][0]" 2>/dev/null)
  [ "$got" = "$(cat "$t/seed-$n/user-data")" ] && read_ok=$((read_ok + 1))
done
[ $read_ok = 6 ] && ok "each node read its own user-data from its cidata ISO at start" || bad "cidata read by $read_ok of 6 nodes"
net1101=$(q "[v['config']['net0'] for v in s['vms'] if v['vmid'] == 1101][0]")
[ "$(cidata_left)" = 0 ] && [ "$(q "sorted(set(v['config'].get('ide2','') for v in s['vms'] if 1100 <= v['vmid'] < 1300))")" = "['none,media=cdrom']" ] &&
  ok "every cidata ISO is ejected and deleted at the end of the run" || bad "cidata left: $(cidata_left)"

c -X DELETE "$ctl/requests" >/dev/null
reconcile "$t/castle.yaml"
[ $drc -eq 0 ] && grep -q 'created 0 destroyed 0 started 0' <<<"$dout" && [ "$(mutations)" = 0 ] &&
  ok "a second run changes nothing (no request but reads)" || bad "second run (rc $drc, $(mutations) changes): $dout"

# A run that died before its cleanup left its ISO attached: the next run
# ejects and deletes it first.
c -X PUT -d '{"node":"pve1","storage":"local","content":"iso","name":"castellan-castle-1101-cidata.iso","text":"keys"}' "$ctl/file" >/dev/null
PVE_TOKEN_ID='castellan@pve!castellan' PVE_TOKEN_SECRET=7b5f1656-dbe1-4d05-ad0e-d854676096ac \
  "$b/proxmox-driver" "$t/castle.yaml" "pve.twin:$port:127.0.0.1" attach "1101:ide2=local:iso/castellan-castle-1101-cidata.iso,media=cdrom" pve1 >/dev/null 2>&1
[ "$(cidata_left)" = 1 ] || bad "the stale ISO was not planted"
reconcile "$t/castle.yaml"
[ $drc -eq 0 ] && [ "$(cidata_left)" = 0 ] && grep -q 'removed local:iso/castellan-castle-1101-cidata.iso on pve1, left behind by an earlier run' "$t/drv.log" &&
  [ "$(q "[v['config'].get('ide2') for v in s['vms'] if v['vmid'] == 1101][0]")" = "none,media=cdrom" ] &&
  ok "a cidata ISO an earlier run left behind is ejected and deleted first" || bad "stale ISO (rc $drc): $dout $(tail -3 "$t/drv.log")"

userdata "$t/foreign.yaml" castle reconcile "    pin_sha256: $pin" 900
c -X DELETE "$ctl/requests" >/dev/null
reconcile "$t/foreign.yaml"
[ $drc -eq 1 ] && grep -q 'VMID 900 (node cp1) is held by VM "legacy-router"' <<<"$dout" && [ "$(mutations)" = 0 ] &&
  [ "$(q "[v['status'] for v in s['vms'] if v['vmid']==900][0]")" = running ] &&
  ok "a foreign VM on a described VMID stops the run with nothing touched" || bad "foreign (rc $drc): $dout"

userdata "$t/rebuild.yaml" castle rebuild "    pin_sha256: $pin"
reconcile "$t/rebuild.yaml"
[ $drc -eq 0 ] && grep -q 'created 6 destroyed 6 started 6' <<<"$dout" && [ "$(castle_running)" = 6 ] &&
  [ "$(q "sorted(v['vmid'] for v in s['vms'] if v['vmid'] < 1000)")" = "[900, 901]" ] &&
  ok "rebuild destroys and recreates the owned VMs only (900 and 901 stay)" || bad "rebuild (rc $drc): $dout"

c -X PATCH -d '{"vmid":1102,"status":"stopped"}' "$ctl/vm" >/dev/null
reconcile_faulted '{"lockTimeouts":2}' "$t/castle.yaml"
[ $drc -eq 0 ] && grep -q 'started 1' <<<"$dout" && [ "$(castle_running)" = 6 ] && grep -q 'config is locked; retrying' "$t/drv.log" &&
  ok "a config-lock timeout, then success: the stopped VM is started" || bad "lock timeout (rc $drc): $dout $(cat "$t/drv.log")"

c -X PATCH -d '{"vmid":1201,"status":"stopped"}' "$ctl/vm" >/dev/null
reconcile_faulted '{"failStart":{"vmid":1201,"count":1,"message":"no space left on device"}}' "$t/castle.yaml"
[ $drc -eq 1 ] && grep -q 'start VM 1201 (w1) on .* failed: .*no space left on device' <<<"$dout" && [ "$(cidata_left)" = 0 ] &&
  ok "a failed start is named, and the uploaded ISO is still ejected and deleted" || bad "failed start (rc $drc, cidata left $(cidata_left)): $dout"

fresh_twin
reconcile_faulted '{"status596":1,"routes":"/nodes/pve1/qemu"}' "$t/castle.yaml"
[ $drc -eq 3 ] && grep -q 'did not say whether it could create VM 1101' <<<"$dout" && [ "$(cidata_left)" = 0 ] &&
  ok "a 596 in the middle of a create stops the run as an unknown outcome" || bad "596 (rc $drc): $dout"
sleep 1
reconcile "$t/castle.yaml"
[ $drc -eq 0 ] && grep -q 'created 5 destroyed 0 started 6' <<<"$dout" && [ "$(castle_running)" = 6 ] &&
  ok "the next run finds the VM the 596 hid and converges" || bad "after 596 (rc $drc): $dout"

other=$(printf '%064d' 0)
userdata "$t/badpin.yaml" castle reconcile "    pin_sha256: $other"
c -X DELETE "$ctl/requests" >/dev/null
reconcile "$t/badpin.yaml"
[ $drc -eq 1 ] && grep -q "public key SHA-256 is $pin, but castellan.proxmox.pin_sha256 is $other" <<<"$dout" &&
  [ "$(c "$ctl/requests" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')" = 0 ] &&
  ok "a pin mismatch is refused before any request reaches the API" || bad "pin mismatch (rc $drc): $dout"
# castellan.proxmox.template: every VM a full clone of the template of that
# name on its own Proxmox node (the twin has talos-v1-11-0 as 9000 on pve1
# and 9001 on pve2, 2 GiB disks, 9000 with a cloud-init drive).
userdata "$t/tmpl.yaml" castle reconcile "    pin_sha256: $pin
    template: talos-v1-11-0"
fresh_twin
reconcile "$t/tmpl.yaml"
clones_ok=$(q "sum(1 for v in s['vms'] if 1100 < v['vmid'] < 1300 and v['status'] == 'running'
  and v['config'].get('boot') == 'order=scsi0' and 'ide0' not in v['config'] and 'cloudinit' not in str(v['config'])
  and v['config'].get('scsi0', '').startswith('local-lvm:vm-%d-disk-0,' % v['vmid']) and 'size=20G' in v['config']['scsi0']
  and v['config'].get('tags') == 'castellan-castle' and v['config'].get('cpu') == 'x86-64-v2-AES'
  and 'template' not in v['config'])")
[ $drc -eq 0 ] && grep -q 'created 6 destroyed 0 started 6' <<<"$dout" && [ "$clones_ok" = 6 ] &&
  [ "$(c "$ctl/requests" | grep -c download-url)" = 0 ] &&
  grep -q 'cloned template 9000 into VM 1101 (cp1) on pve1' "$t/drv.log" && grep -q 'cloned template 9001 into VM 1102 (cp2) on pve2' "$t/drv.log" &&
  ok "a template: six full clones, each from its own node's template, grown to 20 GiB, its cloud-init drive gone, no Talos ISO fetched" ||
  bad "template clone (rc $drc, $clones_ok good): $dout $(tail -5 "$t/drv.log")"
read_ok=0
for n in cp1 cp2 cp3 w1 w2 w3; do
  got=$(q "[v['cidata']['userData'] for v in s['vms'] if v.get('config',{}).get('name')=='$n'][0]" 2>/dev/null)
  [ "$got" = "$(cat "$t/seed-$n/user-data")" ] && read_ok=$((read_ok + 1))
done
[ $read_ok = 6 ] && [ "$(cidata_left)" = 0 ] && ok "each clone read its own cidata, which was then deleted" || bad "clone cidata read by $read_ok of 6"
[ "$(q "[v['config']['net0'] for v in s['vms'] if v['vmid'] == 1101][0]")" = "$net1101" ] &&
  ok "a clone gets the MAC a created VM gets, not PVE's random one" || bad "clone net0: $(q "[v['config']['net0'] for v in s['vms'] if v['vmid'] == 1101]") vs $net1101"
c -X DELETE "$ctl/requests" >/dev/null
reconcile "$t/tmpl.yaml"
[ $drc -eq 0 ] && grep -q 'created 0 destroyed 0 started 0' <<<"$dout" && [ "$(mutations)" = 0 ] &&
  ok "a second run over the clones changes nothing" || bad "second clone run (rc $drc): $dout"

# Template 9000 only (by VMID): the VMs bound for pve2 would cross nodes
# from local storage, which PVE refuses; refused before any change.
userdata "$t/tmpl-x.yaml" castle reconcile "    pin_sha256: $pin
    template: \"9000\""
fresh_twin
reconcile "$t/tmpl-x.yaml"
[ $drc -eq 1 ] && grep -q 'VM 1102 (cp2) goes on pve2, but template 9000 is on pve1 and PVE clones across nodes only between shared storages (local-lvm is not)' <<<"$dout" &&
  [ "$(mutations)" = 0 ] && ok "a template on another node's local storage is refused before any change" || bad "cross-node template (rc $drc): $dout"

# A 596 on the disk resize: the clone is not castellan's yet (no tag), so
# it is destroyed again, and the next run converges.
fresh_twin
reconcile_faulted '{"status596":1,"routes":"/nodes/pve1/qemu/1101/resize"}' "$t/tmpl.yaml"
[ $drc -eq 1 ] && grep -q 'did not say whether it could grow the disk of VM 1101' <<<"$dout" &&
  grep -q 'VM 1101 on pve1 was destroyed again' <<<"$dout" &&
  [ "$(q "[v['vmid'] for v in s['vms'] if v['vmid'] == 1101]")" = "[]" ] && grep -q 'destroyed VM 1101 on pve1' "$t/drv.log" &&
  ok "a clone whose shaping failed is destroyed again" || bad "clone 596 (rc $drc): $dout $(tail -5 "$t/drv.log")"
sleep 1
reconcile "$t/tmpl.yaml"
[ $drc -eq 0 ] && grep -q 'created 6 destroyed 0 started 6' <<<"$dout" && [ "$(castle_running)" = 6 ] &&
  ok "the next run clones it again and converges" || bad "after clone 596 (rc $drc): $dout"

# A 596 on the clone itself: castellan cannot know the VM exists, and it
# has no tag yet. The next run must not take it (the tag is the proof),
# but it carries the marker, so the refusal says what it is.
fresh_twin
reconcile_faulted '{"status596":1,"routes":"/nodes/pve1/qemu/9000/clone"}' "$t/tmpl.yaml"
wait_unlocked 1101 && [ $drc -eq 3 ] &&
  [ "$(q "[('castellan-castle' in v['config'].get('tags', ''), 'castellan-cluster: castle' in v['config'].get('description', '')) for v in s['vms'] if v['vmid'] == 1101]")" = "[(False, True)]" ] &&
  ok "a 596 on the clone request stops the run; the clone carries the marker, not the tag" || bad "clone request 596 (rc $drc): $dout"
c -X DELETE "$ctl/requests" >/dev/null
reconcile "$t/tmpl.yaml"
[ $drc -eq 1 ] && grep -q 'VMID 1101 (node cp1) is held by VM "cp1" on pve1, which carries castellan.s marker but not the tag castellan-castle: a clone an interrupted run left unfinished; destroy it by hand (qm destroy 1101)' <<<"$dout" &&
  [ "$(mutations)" = 0 ] && ok "the untagged clone it left is refused, named for what it is, nothing touched" ||
  bad "after clone request 596 (rc $drc): $dout"

# A template bigger than a node's disk: refused before any change.
twin_with 'vm(9001)["scsi0"] = "local-lvm:base-9001-disk-0,size=25G"'
reconcile "$t/tmpl.yaml"
[ $drc -eq 1 ] && grep -q 'castellan.cluster.nodes\[1\].disk: 20 GiB is smaller than the 25 GiB disk of template 9001, and a clone cannot shrink it' <<<"$dout" &&
  [ "$(mutations)" = 0 ] && ok "a template larger than a node's disk is refused before any change" || bad "large template (rc $drc): $dout"

# One template on shared storage (nas, which holds images here) serves
# both Proxmox nodes: the clones for pve2 cross nodes with target=pve2.
twin_with 'c["storages"][2]["content"].append("images")
c["vms"].append({"vmid": 9002, "node": "pve1", "config": dict(vm(9001), scsi0="nas:9002/base-9002-disk-0.raw,size=2G", name="talos-shared")})'
userdata "$t/tmpl-nas.yaml" castle reconcile "    pin_sha256: $pin
    storage: nas
    template: talos-shared"
reconcile "$t/tmpl-nas.yaml"
[ $drc -eq 0 ] && grep -q 'created 6 destroyed 0 started 6' <<<"$dout" && [ "$(castle_running)" = 6 ] &&
  [ "$(q "sorted((v['node'], v['config']['scsi0'].split(',')[0]) for v in s['vms'] if v['vmid'] in (1101, 1102))")" = "[('pve1', 'nas:1101/vm-1101-disk-0.raw'), ('pve2', 'nas:1102/vm-1102-disk-0.raw')]" ] &&
  grep -q 'cloned template 9002 into VM 1102 (cp2) on pve2' "$t/drv.log" &&
  ok "a template on shared storage is cloned onto every Proxmox node" || bad "shared template (rc $drc): $dout $(tail -3 "$t/drv.log")"
finish
