# Sourced by qemu/demo.sh and tests/boot/run.sh: the twins (Infisical and
# Proxmox, one HTTPS port) on the host, and a seed directory pointed at
# them. The guest reaches the twin through QEMU's user networking at
# 10.0.2.2: Infisical under the name its test certificate carries
# (infisical.twin), trusting the twin's CA; Proxmox by address, with the
# pin of its public key.

# The twin's castellan identity (tests/twin/testdata/infisical.json).
TWIN_CLIENT_ID=3a717a21-d46f-4610-b6cf-d92dd19a5359
TWIN_CLIENT_SECRET=d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf
TWIN_PROJECT=51a441e4-aa3b-437a-92b1-086769162d84

# twin_start REPO BUILDDIR DIR: builds and starts the twin; sets TWIN_PID,
# TWIN_PORT and TWIN_CA. The caller stops it (kill "$TWIN_PID").
twin_start() {
	local repo=$1 b=$2 dir=$3 i
	command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH=$PATH:/usr/local/go/bin
	(cd "$repo/tests/twin" && go build -o "$repo/$b/twin" ./cmd/twin) || return 1
	rm -rf "$dir"
	"$b/twin" --dir "$dir" --config "$repo/tests/twin/testdata/infisical.json" \
		--proxmox-config "$repo/tests/twin/testdata/proxmox.json" 2>"$dir.log" &
	TWIN_PID=$!
	for i in $(seq 100); do [ -s "$dir/addr" ] && break; sleep 0.1; done
	[ -s "$dir/addr" ] || { cat "$dir.log" >&2; return 1; }
	TWIN_PORT=$(cut -d: -f2 "$dir/addr")
	TWIN_CA=$dir/ca.pem
	TWIN_PIN=$(openssl s_client -connect "127.0.0.1:$TWIN_PORT" -servername pve.twin </dev/null 2>/dev/null |
		openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
}

# twin_fixture SRC DST: copies a seed directory, gives it the twin's
# identity (sealed later by qemu/mkseed.sh), points its one-line
# castellan.infisical entry and its castellan.proxmox block at the twin,
# and names the project's slug for ESO.
twin_fixture() {
	local src=$1 dst=$2
	rm -rf "$dst" && cp -r "$src" "$dst" || return 1
	printf 'client_id: %s\nclient_secret: %s\n' "$TWIN_CLIENT_ID" "$TWIN_CLIENT_SECRET" >"$dst/identity.yaml"
	python3 - "$dst/user-data" "$TWIN_PORT" "$TWIN_CA" "$TWIN_PROJECT" "$TWIN_PIN" <<'PY'
import re, sys
path, port, ca, project, pin = sys.argv[1:]
pem = "".join("      " + l + "\n" for l in open(ca).read().strip().split("\n"))
inf = (f"  infisical:\n    host: https://infisical.twin:{port}\n    address: 10.0.2.2\n"
       f"    project: {project}\n    environment: prod\n    path: /castle\n    ca: |\n{pem}"
       f"  eso: {{project: homelab}}\n")
s, n = re.subn(r"  infisical: \{.*\}\n", lambda m: inf, open(path).read())
if n != 1:
    sys.exit("no one-line infisical: entry in " + path)
pve = (f"  proxmox:\n    endpoint: https://10.0.2.2:{port}\n    pin_sha256: {pin}\n"
       f"    nodes: [pve1, pve2]\n    storage: local-lvm\n    iso_storage: local\n    bridge: vmbr0\n")
s, n = re.subn(r"  proxmox:\n(    .*\n)+", lambda m: pve, s)
if n != 1:
    sys.exit("no castellan.proxmox block in " + path)
open(path, "w").write(s)
PY
}

# twin_answers USER-DATA: qemu/run.sh --answer arguments for each described
# node's port (6443 on control planes, 10250 on workers), so the guest sees
# the simulated nodes come up; a node name given as $2 is left silent.
twin_answers() {
	python3 - "$1" "${2:-}" <<'PY'
import re, sys
for name, role, ip in re.findall(r"name: (\S+?),\s+role: (\w+),.*?ip: ([0-9.]+)", open(sys.argv[1]).read()):
    if name != sys.argv[2]:
        print("--answer")
        print(f"{ip}:{6443 if role == 'controlplane' else 10250}")
PY
}
