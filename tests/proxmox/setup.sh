# Sourced by the Proxmox suites: the twins up, a sealed identity, the SPKI
# pin, and helpers. userdata OUT NAME MODE TRUST [VMID-OF-cp1] writes a 3+3
# description ($TALOS picks the Talos version, v1.13.9 by default); plan
# runs castellan plan --live on it; vm VMID FIELD reads the twin's state.
trap 'twin_down; rm -rf "$t"' EXIT
twin_up --config tests/twin/testdata/infisical.json --proxmox-config tests/twin/testdata/proxmox.json
ctl="https://127.0.0.1:$port/_twin/pve"
c() { curl -sS --cacert "$t/twin/ca.pem" "$@"; }
"$bin" keygen -o "$t/key.txt" 2>/dev/null
recipient=$(sed -n 's/^# public key: //p' "$t/key.txt")
printf 'client_id: 3a717a21-d46f-4610-b6cf-d92dd19a5359\nclient_secret: d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf\n' |
  "$bin" seal -r "$recipient" -o "$t/mi.age"
pin=$(spki_of "127.0.0.1:$port" pve.twin)

# userdata OUT NAME MODE TRUST [VMID-OF-cp1]: a 3+3 cluster on the twins.
userdata() {
  python3 - "$@" "$port" "$t/twin/ca.pem" "$t/mi.age" <<'PY'
import os, sys
talos = os.environ.get("TALOS", "v1.13.9")
out, name, mode, trust, cp1, port, ca, sealed = (sys.argv[1:5] + [sys.argv[5] if len(sys.argv) > 8 else "1101"] + sys.argv[-3:])
pem = lambda ind: "".join(ind + l + "\n" for l in open(ca).read().strip().split("\n"))
armor = "".join("    " + l + "\n" for l in open(sealed).read().strip().split("\n"))
nodes = [("cp1", "controlplane", cp1, 11), ("cp2", "controlplane", 1102, 12), ("cp3", "controlplane", 1103, 13),
         ("w1", "worker", 1201, 21), ("w2", "worker", 1202, 22), ("w3", "worker", 1203, 23)]
open(out, "w").write(f"""#cloud-config
castellan:
  identity: |
{armor}  infisical:
    host: https://infisical.twin:{port}
    address: 127.0.0.1
    project: 51a441e4-aa3b-437a-92b1-086769162d84
    environment: prod
    path: /castle
    ca: |
{pem("      ")}  proxmox:
    endpoint: https://pve.twin:{port}
{trust}
    nodes: [pve1, pve2]
  talos: {{version: {talos}}}
  cluster:
    name: {name}
    endpoint: https://10.0.0.10:6443
    network: {{cidr: 10.0.0.0/24, gateway: 10.0.0.1}}
    nodes:
""" + "".join(f"      - {{name: {n}, role: {r}, vmid: {v}, ip: 10.0.0.{ip}}}\n" for n, r, v, ip in nodes)
  + f"  mode: {mode}\n")
PY
}
plan() { out=$("$bin" plan --identity "$t/key.txt" --live --resolve "pve.twin:$port:127.0.0.1" "$1" 2>&1); rc=$?; }
rows() { grep -cE "^[0-9]+ +[a-z0-9-]+ +[a-z-]+ +[a-z0-9-]+ +$1 " <<<"$out"; }
vms_now() { c "$ctl/state" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["vms"]))'; }
vm() {  # vm VMID FIELD: a field of the VM in the twin's state ("" when absent)
  c "$ctl/state" | python3 -c '
import json, sys
vmid, field = int(sys.argv[1]), sys.argv[2]
for v in json.load(sys.stdin)["vms"]:
    if v.get("vmid") == vmid:
        cur = v
        for k in field.split("."):
            cur = cur.get(k, "") if isinstance(cur, dict) else ""
        print(cur); break' "$1" "$2"
}
