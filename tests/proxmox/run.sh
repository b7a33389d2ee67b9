#!/usr/bin/env bash
# castellan plan --live against the twins: the Proxmox token comes from the
# Infisical twin, the VM list from the Proxmox twin (same HTTPS port). The
# plan changes nothing, refuses foreign VMs on described VMIDs or names,
# rebuilds owned VMs only, and refuses a pin mismatch naming both
# fingerprints. Usage: tests/proxmox/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/proxmox/run.sh BUILDDIR}
bin=$b/castellan suite=proxmox
t=$(mktemp -d)
. tests/lib.sh
. tests/proxmox/setup.sh
before=$(vms_now)

userdata "$t/fresh.yaml" castle reconcile "    pin_sha256: $pin"
plan "$t/fresh.yaml"
[ $rc -eq 0 ] && [ "$(rows create)" = 6 ] && ok "a fresh 3+3 cluster plans six creates (pin trust)" || bad "fresh plan (rc $rc): $out"
grep -q '^1101 .*controlplane  pve1 ' <<<"$out" && grep -q '^1102 .*controlplane  pve2 ' <<<"$out" &&
  ok "new VMs are spread over the listed Proxmox nodes" || bad "placement: $out"
grep -q 'legacy-router' <<<"$out" && bad "the plan mentions the foreign VM" || ok "the foreign VM is not in the plan"
[ "$(vms_now)" = "$before" ] && ok "planning changed nothing on Proxmox" || bad "planning changed the VMs"

# castellan render --live: Infisical's secrets, the plan's view of the cluster.
render() { out=$("$bin" render --identity "$t/key.txt" --live --resolve "pve.twin:$port:127.0.0.1" "$@" 2>&1); rc=$?; }
render "$t/fresh.yaml" --out "$t/r0"
[ $rc -eq 1 ] && grep -q 'castellan.eso.project: is required when castellan.infisical.project is a project id' <<<"$out" &&
  ok "render --live asks for the ESO project slug when the project is given by id" || bad "render without eso.project (rc $rc): $out"
sed 's/^  talos: /  eso: {project: homelab}\n  talos: /' "$t/fresh.yaml" > "$t/fresh-eso.yaml"
c -X DELETE "$ctl/requests" >/dev/null
render "$t/fresh-eso.yaml" --out "$t/r1" --reveal
eso_secret=7aeac9c0b0c8ce27a9152a4d23273ba17c27cad20ac48eedbd40c696990f7c98
[ $rc -eq 0 ] && grep -q '^rendered for a new cluster with Infisical.s secrets and a throwaway bundle' <<<"$out" &&
  grep -q '  type: init' "$t/r1/cp1.yaml" && grep -q "$(printf %s "$eso_secret" | base64 -w0)" "$t/r1/cp1.yaml" &&
  [ ! -e "$t/r1/secrets.yaml" ] && [ -s "$t/r1/w3.iso" ] &&
  ok "render --live --reveal: Infisical's ESO identity in the control planes, cp1 init, ISOs; no stand-in bundle written" ||
  bad "render --live (rc $rc): $out"
[ "$(c "$ctl/requests" | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["requests"] if r["method"] != "GET"))')" = 0 ] &&
  [ "$(vms_now)" = "$before" ] && ok "render --live changes nothing on Proxmox" || bad "render --live changed Proxmox"
render "$t/fresh-eso.yaml" --out "$t/r2"
! grep -rqF -e "$(printf %s "$eso_secret" | base64 -w0)" -e "$eso_secret" "$t/r2" && grep -q '\[redacted\]' "$t/r2/cp1.yaml" &&
  ! ls "$t/r2"/*.iso >/dev/null 2>&1 && ok "render --live without --reveal masks every secret and writes no ISO" || bad "render --live masked: $out"

userdata "$t/ca.yaml" castle reconcile "    ca: |
$(sed 's/^/      /' "$t/twin/ca.pem")"
plan "$t/ca.yaml"
[ $rc -eq 0 ] && [ "$(rows create)" = 6 ] && ok "the same plan when trusting the cluster CA" || bad "CA plan (rc $rc): $out"

userdata "$t/homelab.yaml" homelab rebuild "    pin_sha256: $pin" 901
plan "$t/homelab.yaml"
[ $rc -eq 0 ] && [ "$(rows destroy)" = 1 ] && [ "$(rows create)" = 6 ] && grep -q '^901 .*destroy' <<<"$out" &&
  ok "rebuild destroys the owned VM and recreates all six" || bad "rebuild plan (rc $rc): $out"
userdata "$t/homelab-r.yaml" homelab reconcile "    pin_sha256: $pin" 901
plan "$t/homelab-r.yaml"
[ $rc -eq 0 ] && grep -q '^901 .*replace  owned, but named differently' <<<"$out" &&
  ok "reconcile replaces an owned VM whose name no longer matches" || bad "reconcile of an owned VM: $out"

userdata "$t/tmpl.yaml" castle reconcile "    pin_sha256: $pin
    template: talos-v1-11-0"
plan "$t/tmpl.yaml"
[ $rc -eq 0 ] && [ "$(rows create)" = 6 ] && grep -q '^1101 .* pve1 .*create   absent; clone of template 9000 on pve1$' <<<"$out" &&
  grep -q '^1102 .* pve2 .*create   absent; clone of template 9001 on pve2$' <<<"$out" &&
  ok "with a template, the plan names the template each VM is cloned from" || bad "template plan (rc $rc): $out"
sed 's/template: talos-v1-11-0/template: legacy-router/' "$t/tmpl.yaml" > "$t/tmpl-bad.yaml"
plan "$t/tmpl-bad.yaml"
[ $rc -eq 1 ] && grep -qx 'castellan: castellan.proxmox.template: VM 900 ("legacy-router") on pve1 is not a template; nothing was changed' <<<"$out" &&
  ok "a template name held by an ordinary VM is refused, named" || bad "non-template (rc $rc): $out"

userdata "$t/foreign.yaml" castle reconcile "    pin_sha256: $pin" 900
plan "$t/foreign.yaml"
[ $rc -eq 1 ] && grep -qx 'castellan: VMID 900 (node cp1) is held by VM "legacy-router" on pve1, which castellan does not own (no tag castellan-castle); nothing was changed' <<<"$out" &&
  ok "a foreign VM on a described VMID stops the plan, named" || bad "foreign VMID (rc $rc): $out"

# An endpoint given by IP address: the pin carries the identity.
sed "s#endpoint: https://pve.twin:#endpoint: https://127.0.0.1:#" "$t/fresh.yaml" > "$t/ip.yaml"
plan "$t/ip.yaml"
[ $rc -eq 0 ] && [ "$(rows create)" = 6 ] && ok "an endpoint given by IP address works with the pin" || bad "IP endpoint with pin (rc $rc): $out"
sed "s#endpoint: https://pve.twin:#endpoint: https://127.0.0.1:#" "$t/ca.yaml" > "$t/ip-ca.yaml"
plan "$t/ip-ca.yaml"
[ $rc -eq 1 ] && grep -qx "castellan: castellan.proxmox.endpoint: https://127.0.0.1:$port is an IP address; give pin_sha256 too (certificates cannot be matched to IP addresses here)" <<<"$out" &&
  ok "an endpoint by IP address with only a CA is refused in one sentence" || bad "IP endpoint with CA only (rc $rc): $out"

other=$(printf '%064d' 0)
userdata "$t/badpin.yaml" castle reconcile "    pin_sha256: $other"
plan "$t/badpin.yaml"
[ $rc -eq 1 ] && grep -q "presented a certificate whose public key SHA-256 is $pin, but castellan.proxmox.pin_sha256 is $other" <<<"$out" &&
  ok "a pin mismatch is refused with both fingerprints" || bad "pin mismatch (rc $rc): $out"

# --- changing the cluster, by a test driver linked with the appliance's objects
link_driver tests/proxmox/driver.c "$b/proxmox-driver"
drv() { dout=$(PVE_TOKEN_ID='castellan@pve!castellan' PVE_TOKEN_SECRET=7b5f1656-dbe1-4d05-ad0e-d854676096ac \
          "$b/proxmox-driver" "$t/fresh.yaml" "pve.twin:$port:127.0.0.1" "$@" 2>"$t/drv.log"); drc=$?; }
talos_iso=talos-v1.13.9-376567988ad3-nocloud-amd64.iso
for n in pve1 pve2; do
  c -X PUT -d "{\"node\":\"$n\",\"storage\":\"local\",\"content\":\"iso\",\"name\":\"$talos_iso\",\"size\":65536}" "$ctl/file" >/dev/null
done
drv create 0 pve1
[ $drc -eq 0 ] && [ "$(vm 1101 config.ide0)" = "local:iso/$talos_iso,media=cdrom" ] &&
  [ "$(vm 1101 config.boot)" = "order=scsi0;ide0" ] && grep -q '^uuid=[0-9a-f-]\{36\}$' <<<"$(vm 1101 config.smbios1)" &&
  grep -qx 'castellan-cluster: castle' <<<"$(vm 1101 config.description)" && [ "$(vm 1101 config.cpu)" = x86-64-v2-AES ] && [ "$(vm 1101 config.machine)" = q35 ] &&
  [ "$(vm 1101 config.scsihw)" = virtio-scsi-single ] && [ "$(vm 1101 config.tags)" = castellan-castle ] &&
  grep -q '^virtio=BC:24:11:[0-9A-F:]*,bridge=vmbr0$' <<<"$(vm 1101 config.net0)" &&
  grep -q '^local-lvm:.*20' <<<"$(vm 1101 config.scsi0)" &&
  ok "create makes the Talos VM spec: x86-64-v2-AES, q35, virtio-scsi-single, tag and marker, stable MAC, SMBIOS UUID, 20 GiB disk, the Talos ISO behind the disk" ||
  bad "create (rc $drc): $dout / cpu=$(vm 1101 config.cpu) net0=$(vm 1101 config.net0) scsi0=$(vm 1101 config.scsi0)"
drv start 1101 pve1
[ $drc -eq 0 ] && [ "$(vm 1101 status)" = running ] && ok "start waits for its task; the VM runs" || bad "start (rc $drc): $dout"
plan "$t/fresh.yaml"
[ $rc -eq 0 ] && grep -q '^1101 .*keep     owned, running' <<<"$out" && [ "$(rows create)" = 5 ] &&
  ok "the next plan keeps what was made and creates only the rest" || bad "plan after create: $out"
c -X POST -d '{"status596":1}' "$ctl/faults" >/dev/null
drv create 3 pve1
[ $drc -eq 3 ] && grep -q 'did not say whether it could create VM 1201' <<<"$dout" &&
  ok "a 596 is reported as an unknown outcome, not a failure" || bad "596 (rc $drc): $dout"
plan "$t/fresh.yaml"
grep -qE 'VMID 1201 \(node w1\) is still being created on pve1|^1201 .*start    owned, stopped' <<<"$out" &&
  ok "right after the 596, the plan sees the create in flight, never a foreign VM" || bad "plan right after 596: $out"
sleep 1
plan "$t/fresh.yaml"
grep -q '^1201 .*start    owned, stopped' <<<"$out" && ok "once the task ends, the plan finds the VM it made: start, not create" || bad "plan after 596: $out"
c -X DELETE "$ctl/faults" >/dev/null
drv stop 1101 pve1
c -X POST -d '{"failStart":{"vmid":1101,"count":1,"message":"no space left on device"}}' "$ctl/faults" >/dev/null
drv start 1101 pve1
[ $drc -eq 1 ] && grep -q 'start VM 1101 on pve1 failed: .*no space left on device' <<<"$dout" &&
  ok "a failed start task is named with the task's own reason" || bad "failed start (rc $drc): $dout"
c -X DELETE "$ctl/faults" >/dev/null
c -X POST -d '{"lockTimeouts":2}' "$ctl/faults" >/dev/null
drv start 1101 pve1
[ $drc -eq 0 ] && [ "$(vm 1101 status)" = running ] && [ "$(grep -c 'config is locked; retrying' "$t/drv.log")" = 2 ] &&
  ok "a config-lock timeout is retried with backoff until the start succeeds" || bad "lock timeout on start (rc $drc): $dout $(cat "$t/drv.log")"
c -X DELETE "$ctl/faults" >/dev/null
# A cidata ISO: uploaded, attached as a CD-ROM, read by the simulated node at
# its next start, deleted afterwards.
mkdir -p "$t/seed" && printf 'version: v1alpha1\nmachine: {type: controlplane}\n' > "$t/seed/user-data" &&
  printf 'instance-id: cp1\nlocal-hostname: cp1\n' > "$t/seed/meta-data" &&
  xorriso -as mkisofs -quiet -V cidata -J -r -o "$t/ci-1101.iso" "$t/seed/user-data" "$t/seed/meta-data"
drv upload "$t/ci-1101.iso" pve1
uploaded=$(c "$ctl/file?node=pve1&volid=local:iso/ci-1101.iso" | cmp -s - "$t/ci-1101.iso" && echo same)
[ $drc -eq 0 ] && [ "$uploaded" = same ] && ok "an ISO upload lands byte for byte (multipart, content iso)" || bad "upload (rc $drc): $dout"
drv attach "1101:ide2=local:iso/ci-1101.iso,media=cdrom" pve1 && drv stop 1101 pve1 && drv start 1101 pve1
[ $drc -eq 0 ] && [ "$(vm 1101 cidata.userData)" = "$(cat "$t/seed/user-data")" ] &&
  ok "attached as a CD-ROM, the node reads its user-data at start" || bad "attach + start (rc $drc): $dout / $(vm 1101 cidata)"
drv delete local:iso/ci-1101.iso pve1
gone=$(c "$ctl/file?node=pve1&volid=local:iso/ci-1101.iso" -o /dev/null -w '%{http_code}')
[ $drc -eq 0 ] && [ "$gone" != 200 ] && ok "the uploaded ISO is deleted" || bad "delete ISO (rc $drc, file $gone): $dout"
drv delete local:iso/ci-1101.iso pve1
[ $drc -eq 0 ] && ok "deleting it again is not an error" || bad "second delete (rc $drc): $dout"
drv destroy 1101 pve1
[ $drc -eq 0 ] && [ -z "$(vm 1101 vmid)" ] && [ "$(vm 900 status)" = running ] &&
  ok "destroy stops and removes the VM; the foreign VM runs on" || bad "destroy (rc $drc): $dout"

c -X PUT -d '[{"project":"homelab","env":"prod","path":"/castle","key":"PROXMOX_TOKEN_SECRET","value":"0d3c9f0e-6d0b-4b8e-9d8f-2a8c1d1f5e77"}]' \
  "https://127.0.0.1:$port/_twin/secrets" >/dev/null
plan "$t/fresh.yaml"
[ $rc -eq 1 ] && grep -q 'refused the API token' <<<"$out" && ok "a wrong Proxmox token secret is named" || bad "wrong token (rc $rc): $out"
grep -qF 0d3c9f0e-6d0b <<<"$out" && bad "the token secret was printed" || ok "the token secret is never printed"

finish
