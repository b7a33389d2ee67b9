package proxmox

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSampleConfigLoads(t *testing.T) {
	if _, err := New(Options{ConfigPath: sampleConfig}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{}); err != nil {
		t.Fatalf("default config: %v", err)
	}
	bad := []string{
		`{"nodes":[],"typo":1}`,
		`{"nodes":[]}`,
		`{"nodes":[{"name":"pve1","bridges":[]}],"storages":[{"id":"local-lvm","type":"lvmthin","content":["iso"]}]}`,
		`{"nodes":[{"name":"pve1","bridges":[]}],"roles":{"X":["VM.Monitor"]}}`,
		`{"nodes":[{"name":"pve1","bridges":[]}],"users":[{"id":"a@pve","acls":[{"path":"/","role":"Nope"}]}]}`,
	}
	for _, b := range bad {
		c, err := ParseConfig([]byte(b))
		if err == nil {
			_, err = New(Options{Config: c})
		}
		if err == nil {
			t.Errorf("accepted: %s", b)
		}
	}
}

func TestAuth(t *testing.T) {
	e := start(t, nil)
	e.do("GET", "/version", "", nil).expect(t, 401, "Authentication failed!")
	e.do("GET", "/version", "castellan@pve!castellan=wrong", nil).expect(t, 401, "Authentication failed!")
	e.do("GET", "/version", "castellan@pve!nope=x", nil).expect(t, 401, "Authentication failed!")
	e.do("GET", "/version", "castellan@pve!expired=e1e2e3e4-0000-4000-8000-000000000001", nil).expect(t, 401, "Authentication failed!")
	r := e.do("GET", "/version", tokCastellan, nil).expect(t, 200, "OK")
	if d := r.data().(map[string]any); d["release"] != "9.1" || d["version"] != "9.1.2" {
		t.Errorf("version: %s", r.raw)
	}
	// a space instead of '=', and a percent-encoded value are accepted
	req, _ := http.NewRequest("GET", e.base+"/api2/json/version", nil)
	req.Header.Set("Authorization", "PVEAPIToken "+url.PathEscape(tokCastellan))
	e.send(req).expect(t, 200, "OK")
	// a ticket cookie wins over the token
	req, _ = http.NewRequest("GET", e.base+"/api2/json/version", nil)
	req.Header.Set("Authorization", "PVEAPIToken="+tokCastellan)
	req.Header.Set("Cookie", "PVEAuthCookie=PVE:x")
	e.send(req).expect(t, 401, "")

	d := start(t, func(c *Config) { c.DetailedAuthErrors = true; ms := 100; c.AuthFailDelayMs = &ms })
	t0 := time.Now()
	d.do("GET", "/version", "", nil).expect(t, 401, "No ticket")
	if time.Since(t0) < 100*time.Millisecond {
		t.Error("401 was not delayed")
	}
	d.do("GET", "/version", "castellan@pve!nope=x", nil).expect(t, 401, "no such token 'nope' for user 'castellan@pve'")
	d.do("GET", "/version", "castellan@pve!castellan=wrong", nil).expect(t, 401, "invalid token value!")
}

func TestEnvelopeAndErrors(t *testing.T) {
	e := start(t, nil)
	e.do("GET", "/nope", tokCastellan, nil).expect(t, 501, "Method 'GET /nope' not implemented")
	r := e.do("GET", "/nodes/pve1/qemu/123/config", tokCastellan, nil).expect(t, 500, "Configuration file 'nodes/pve1/qemu-server/123.conf' does not exist")
	if r.body["message"] != "Configuration file 'nodes/pve1/qemu-server/123.conf' does not exist\n" || r.body["data"] != nil {
		t.Errorf("500 body: %s", r.raw)
	}
	// VM 901 lives on pve2
	e.do("GET", "/nodes/pve1/qemu/901/status/current", tokCastellan, nil).expect(t, 500, "Configuration file 'nodes/pve1/qemu-server/901.conf' does not exist")
	e.do("GET", "/nodes/pve9/qemu", tokCastellan, nil).expect(t, 500, "no such cluster node 'pve9'")
	r = e.do("GET", "/nodes/pve3/qemu", tokCastellan, nil).expect(t, 595, "No route to host")
	if len(r.raw) != 0 {
		t.Errorf("595 body %q", r.raw)
	}
	errs := e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 50, "name": "bad_name", "bogus": 1, "cores": "x"}).paramErrs(t)
	want := map[string]string{
		"name":  "invalid format - value does not look like a valid DNS name",
		"bogus": notInSchema,
		"cores": "type check ('integer') failed - got 'x'",
	}
	for k, v := range want {
		if errs[k] != v {
			t.Errorf("errors[%s] = %v, want %q", k, errs[k], v)
		}
	}
	if !strings.Contains(fmt.Sprint(e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 50}).paramErrs(t)["vmid"]), "minimum value of 100") {
		t.Error("vmid minimum")
	}
	e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 120, "ide2": "local:iso/talos-v1.11.0-nocloud-amd64.iso"}).paramErrs(t)
	// legacy servers: message only in the reason phrase
	l := start(t, func(c *Config) { c.LegacyErrors = true })
	r = l.do("GET", "/nodes/pve1/qemu/123/config", tokCastellan, nil).expect(t, 500, "")
	if string(r.raw) != `{"data":null}` {
		t.Errorf("legacy body %s", r.raw)
	}
	// chunked bodies are refused
	req, _ := http.NewRequest("POST", e.base+"/api2/json/nodes/pve1/qemu", strings.NewReader("vmid=130"))
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	req.Header.Set("Authorization", "PVEAPIToken="+tokCastellan)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	e.send(req).expect(t, 501, "chunked transfer encoding not supported")
}

func TestPrivileges(t *testing.T) {
	e := start(t, nil)
	// a fresh privsep token has no rights
	e.do("POST", "/nodes/pve1/qemu", tokFresh, map[string]any{"vmid": 130}).expect(t, 403, "Permission check failed (/vms/130, VM.Allocate)")
	if d := e.do("GET", "/cluster/resources?type=vm", tokFresh, nil).expect(t, 200, "OK").data().([]any); len(d) != 0 {
		t.Errorf("fresh token sees %d VMs", len(d))
	}
	e.do("GET", "/nodes/pve1/storage/local/content", tokFresh, nil).expect(t, 403, "Permission check failed (/storage/local, Datastore.Audit|Datastore.AllocateSpace)")
	// the auditor reads but may not create
	if d := e.do("GET", "/cluster/resources?type=vm", tokAuditor, nil).expect(t, 200, "OK").data().([]any); len(d) != 4 {
		t.Errorf("auditor sees %d VMs", len(d))
	}
	e.do("POST", "/nodes/pve1/qemu", tokAuditor, map[string]any{"vmid": 130}).expect(t, 403, "Permission check failed (/vms/130, VM.Allocate)")
	// SDN.Use on the bridge, per VLAN (propagate=0 on vmbr0)
	e.upid(e.do("POST", "/nodes/pve1/qemu", tokNoVLAN, map[string]any{"vmid": 131, "net0": "virtio,bridge=vmbr0"}))
	e.do("POST", "/nodes/pve1/qemu", tokNoVLAN, map[string]any{"vmid": 132, "net0": "virtio,bridge=vmbr0,tag=20"}).
		expect(t, 403, "Permission check failed (/sdn/zones/localnetwork/vmbr0/20, SDN.Use)")
	// the castellan token: no Sys.Console, no Sys.Modify on /
	e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 133, "startup": "order=1"}).
		expect(t, 403, "Permission check failed (/, Sys.Modify)")
	// root-only options fail for every token
	e.do("POST", "/nodes/pve1/qemu", tokFull, map[string]any{"vmid": 134, "args": "-no-reboot"}).expect(t, 500, "only root can set 'args' config")
	e.do("POST", "/nodes/pve1/qemu", tokFull, map[string]any{"vmid": 134, "scsi0": "/dev/sdb"}).expect(t, 500, "Only root can pass arbitrary filesystem paths.")
	if errs := e.do("PUT", "/nodes/pve1/qemu/900/config", tokFull, map[string]any{"skiplock": 1, "onboot": 1}).paramErrs(t); errs["skiplock"] != "Only root may use this option." {
		t.Errorf("skiplock: %v", errs)
	}
	// task status of someone else's task needs Sys.Audit on the node
	up := e.upid(e.do("POST", "/nodes/pve1/qemu/900/status/stop", tokCastellan, nil))
	e.do("GET", "/nodes/pve1/tasks/"+url.PathEscape(up)+"/status", tokFresh, nil).expect(t, 403, "Permission check failed (/nodes/pve1, Sys.Audit)")
	e.do("GET", "/nodes/pve1/tasks/"+url.PathEscape(up)+"/status", tokAuditor, nil).expect(t, 200, "OK")
}

var reUPIDFormat = regexp.MustCompile(`^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmcreate:140:castellan@pve!castellan:$`)

func TestLifecycle(t *testing.T) {
	e := start(t, nil)
	nid := e.do("GET", "/cluster/nextid", tokCastellan, nil).expect(t, 200, "OK").data()
	if nid != "100" {
		t.Errorf("nextid %v", nid)
	}
	e.do("GET", "/cluster/nextid?vmid=900", tokCastellan, nil).paramErrs(t)
	e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 901}).expect(t, 500, "unable to create VM 901 - VM 901 already exists on node 'pve2'")

	create := map[string]any{
		"vmid": 140, "name": "cp-2", "memory": 4096, "cores": 2, "sockets": 1, "cpu": "x86-64-v2-AES", "machine": "q35",
		"scsihw": "virtio-scsi-single", "scsi0": "local-lvm:32,iothread=1,discard=on,ssd=1",
		"net0": "virtio=BC:24:11:AA:BB:01,bridge=vmbr0,tag=20", "ide2": "local:iso/talos-v1.11.0-nocloud-amd64.iso,media=cdrom",
		"boot": "order=scsi0;ide2", "serial0": "socket", "smbios1": "uuid=6f2b8c1e-4a3d-4f5e-9b7a-1c2d3e4f5a6b",
		"tags": "castellan-homelab;talos", "onboot": true, "agent": "enabled=1", "ostype": "l26",
	}
	up := e.upid(e.do("POST", "/nodes/pve1/qemu", tokCastellan, create))
	if !reUPIDFormat.MatchString(up) {
		t.Errorf("UPID %q", up)
	}
	// while the create runs: lock create, and a second create fails
	st := e.do("GET", "/nodes/pve1/qemu/140/status/current", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	if st["lock"] != "create" || st["status"] != "stopped" {
		t.Errorf("during create: %v", st)
	}
	e.do("POST", "/nodes/pve2/qemu", tokCastellan, map[string]any{"vmid": 140}).expect(t, 500, "unable to create VM 140 - VM 140 already exists on node 'pve1'")
	ts := e.do("GET", "/nodes/pve1/tasks/"+url.PathEscape(up)+"/status", tokCastellan, nil).data().(map[string]any)
	if ts["status"] != "running" || ts["user"] != "castellan@pve" || ts["tokenid"] != "castellan" || ts["type"] != "qmcreate" || ts["id"] != "140" {
		t.Errorf("task status %v", ts)
	}
	// the UPID's node only
	e.do("GET", "/nodes/pve2/tasks/"+url.PathEscape(up)+"/status", tokCastellan, nil).paramErrs(t)
	if x := e.wait(tokCastellan, up); x != "OK" {
		t.Fatalf("create: %s", x)
	}
	lg := e.do("GET", "/nodes/pve1/tasks/"+url.PathEscape(up)+"/log?start=0&limit=50", tokCastellan, nil).expect(t, 200, "OK")
	if lines := lg.data().([]any); lines[len(lines)-1].(map[string]any)["t"] != "TASK OK" || lg.body["total"] == nil {
		t.Errorf("log %s", lg.raw)
	}
	cfg := e.do("GET", "/nodes/pve1/qemu/140/config", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	if cfg["scsi0"] != "local-lvm:vm-140-disk-0,discard=on,iothread=1,size=32G,ssd=1" || cfg["cores"] != float64(2) || cfg["memory"] != "4096" ||
		cfg["net0"] != "virtio=BC:24:11:AA:BB:01,bridge=vmbr0,tag=20" || cfg["onboot"] != float64(1) || cfg["digest"] == nil ||
		cfg["tags"] != "castellan-homelab;talos" || cfg["vmgenid"] == nil || cfg["lock"] != nil {
		t.Errorf("config %v", cfg)
	}
	res := e.do("GET", "/cluster/resources?type=vm", tokCastellan, nil).expect(t, 200, "OK").data().([]any)
	found := false
	for _, x := range res {
		m := x.(map[string]any)
		if m["vmid"] == float64(140) {
			found = m["node"] == "pve1" && m["tags"] == "castellan-homelab;talos" && m["name"] == "cp-2" && m["status"] == "stopped" && m["id"] == "qemu/140"
		}
	}
	if !found {
		t.Errorf("resources %v", res)
	}
	content := e.do("GET", "/nodes/pve1/storage/local-lvm/content?content=images", tokCastellan, nil).expect(t, 200, "OK").data().([]any)
	if len(content) != 4 { // vm-900-disk-0, template 9000's two, vm-140-disk-0
		t.Errorf("images %v", content)
	}

	// start, and meanwhile a PUT config waits for the lock, then succeeds
	upStart := e.upid(e.do("POST", "/nodes/pve1/qemu/140/status/start", tokCastellan, nil))
	e.do("PUT", "/nodes/pve1/qemu/140/config", tokCastellan, map[string]any{"description": "hello"}).expect(t, 200, "OK")
	if x := e.wait(tokCastellan, upStart); x != "OK" {
		t.Fatalf("start: %s", x)
	}
	st = e.do("GET", "/nodes/pve1/qemu/140/status/current", tokCastellan, nil).data().(map[string]any)
	if st["status"] != "running" || st["qmpstatus"] != "running" || st["agent"] != float64(1) || st["pid"] == nil {
		t.Errorf("running: %v", st)
	}
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/140/status/start", tokCastellan, nil))); x != "VM 140 already running" {
		t.Errorf("second start: %q", x)
	}
	e.do("DELETE", "/nodes/pve1/qemu/140?purge=1&destroy-unreferenced-disks=1", tokCastellan, nil).expect(t, 500, "VM 140 is running - destroy failed")
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/140/status/shutdown", tokCastellan, nil))); x != "OK" {
		t.Errorf("shutdown %q", x)
	}
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/140/status/stop", tokCastellan, nil))); x != "VM 140 not running" {
		t.Errorf("stop a stopped VM: %q", x)
	}
	// POST config is async; digest mismatch fails
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/140/config", tokCastellan, map[string]any{"ide2": "none,media=cdrom"}))); x != "OK" {
		t.Errorf("eject: %q", x)
	}
	e.do("PUT", "/nodes/pve1/qemu/140/config", tokCastellan, map[string]any{"name": "x", "digest": "0000"}).
		expect(t, 500, "detected modified configuration - file changed by other user? Try again.")
	if x := e.wait(tokCastellan, e.upid(e.do("PUT", "/nodes/pve1/qemu/140/resize", tokCastellan, map[string]any{"disk": "scsi0", "size": "+8G"}))); x != "OK" {
		t.Errorf("resize %q", x)
	}
	if x := e.wait(tokCastellan, e.upid(e.do("PUT", "/nodes/pve1/qemu/140/resize", tokCastellan, map[string]any{"disk": "scsi0", "size": "10G"}))); x != "shrinking disks is not supported" {
		t.Errorf("shrink %q", x)
	}
	up = e.upid(e.do("DELETE", "/nodes/pve1/qemu/140?purge=1&destroy-unreferenced-disks=1", tokCastellan, nil))
	if x := e.wait(tokCastellan, up); x != "OK" {
		t.Fatalf("destroy %q", x)
	}
	e.do("GET", "/nodes/pve1/qemu/140/config", tokCastellan, nil).expect(t, 500, "Configuration file 'nodes/pve1/qemu-server/140.conf' does not exist")
	if content := e.do("GET", "/nodes/pve1/storage/local-lvm/content", tokCastellan, nil).data().([]any); len(content) != 3 {
		t.Errorf("disks left: %v", content)
	}
}

func TestFormEncodingTrap(t *testing.T) {
	e := start(t, nil)
	// unencoded '=' and ';': net0 is cut to "virtio", boot to "order"
	up := e.upid(e.do("POST", "/nodes/pve1/qemu", tokCastellan, "vmid=150&net0=virtio=BC:24:11:00:00:01,bridge=vmbr0"))
	e.wait(tokCastellan, up)
	cfg := e.do("GET", "/nodes/pve1/qemu/150/config", tokCastellan, nil).data().(map[string]any)
	if n := cfg["net0"].(string); strings.Contains(n, "bridge") || !strings.HasPrefix(n, "virtio=BC:24:11:") {
		t.Errorf("net0 %q", n)
	}
	// encoded properly it works
	v := url.Values{"vmid": {"151"}, "net0": {"virtio=BC:24:11:00:00:02,bridge=vmbr0"}, "boot": {"order=net0"}, "onboot": {"1"}}
	e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu", tokCastellan, v)))
	cfg = e.do("GET", "/nodes/pve1/qemu/151/config", tokCastellan, nil).data().(map[string]any)
	if cfg["net0"] != "virtio=BC:24:11:00:00:02,bridge=vmbr0" || cfg["boot"] != "order=net0" {
		t.Errorf("config %v", cfg)
	}
	// a repeated key is an array
	errs := e.do("POST", "/nodes/pve1/qemu", tokCastellan, "vmid=152&name=a&name=b").paramErrs(t)
	if errs["name"] == nil {
		t.Errorf("%v", errs)
	}
}

func TestLocks(t *testing.T) {
	e := start(t, func(c *Config) { c.TaskMsByType = map[string]int{"qmstart": 400}; w := 100; c.LockWaitMs = &w })
	up := e.upid(e.do("POST", "/nodes/pve1/qemu/900/status/stop", tokCastellan, nil))
	e.wait(tokCastellan, up)
	upStart := e.upid(e.do("POST", "/nodes/pve1/qemu/900/status/start", tokCastellan, nil))
	time.Sleep(20 * time.Millisecond)
	// a config update while the start holds the lock longer than the wait
	e.do("PUT", "/nodes/pve1/qemu/900/config", tokCastellan, map[string]any{"onboot": 1}).
		expect(t, 500, "can't lock file '/var/lock/qemu-server/lock-900.conf' - got timeout")
	upStop := e.upid(e.do("POST", "/nodes/pve1/qemu/900/status/stop", tokCastellan, nil))
	if x := e.wait(tokCastellan, upStop); x != "can't lock file '/var/lock/qemu-server/lock-900.conf' - got timeout" {
		t.Errorf("stop during start: %q", x)
	}
	if x := e.wait(tokCastellan, upStart); x != "OK" {
		t.Errorf("start %q", x)
	}
	// injected lock timeouts
	e.do("POST", "/_twin/pve/faults", "", map[string]any{"lockTimeouts": 2})
	e.do("PUT", "/nodes/pve1/qemu/900/config", tokCastellan, map[string]any{"onboot": 1}).expect(t, 500, "can't lock file '/var/lock/qemu-server/lock-900.conf' - got timeout")
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/900/status/stop", tokCastellan, nil))); !strings.HasPrefix(x, "can't lock file") {
		t.Errorf("stop %q", x)
	}
	e.do("PUT", "/nodes/pve1/qemu/900/config", tokCastellan, map[string]any{"onboot": 1}).expect(t, 200, "OK")
}

func TestFaults595And596(t *testing.T) {
	e := start(t, nil)
	e.do("POST", "/_twin/pve/faults", "", map[string]any{"status596": 1, "routes": "/nodes/pve1/qemu"})
	r := e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 160})
	r.expect(t, 596, "Connection timed out")
	// the create happened anyway
	time.Sleep(150 * time.Millisecond)
	if v := e.vmState(160); v == nil || v["lock"] != nil {
		t.Fatalf("vm 160 after 596: %v", v)
	}
	e.do("POST", "/_twin/pve/faults", "", map[string]any{"status595": 1})
	e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 161}).expect(t, 595, "Connection refused")
	if e.vmState(161) != nil {
		t.Error("595 without apply595 created the VM")
	}
	e.do("POST", "/_twin/pve/faults", "", map[string]any{"status595": 1, "apply595": true})
	e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 162}).expect(t, 595, "Connection refused")
	if e.vmState(162) == nil {
		t.Error("595 with apply595 did not create the VM")
	}
	// failStart
	e.do("POST", "/_twin/pve/faults", "", map[string]any{"failStart": map[string]any{"vmid": 160}})
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/160/status/start", tokCastellan, nil))); x != "start failed: QEMU exited with code 1" {
		t.Errorf("failStart %q", x)
	}
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/160/status/start", tokCastellan, nil))); x != "OK" {
		t.Errorf("second start %q", x)
	}
	reqs := e.do("GET", "/_twin/pve/requests", "", nil).body["requests"].([]any)
	n596 := 0
	for _, q := range reqs {
		if q.(map[string]any)["fault"] == "status596" {
			n596++
		}
	}
	if n596 != 1 {
		t.Errorf("%d 596 in the request log", n596)
	}
}

func TestStorage(t *testing.T) {
	e := start(t, nil)
	data := []byte("not really an iso")
	// upload to pve2's local: the task runs on pve1 (the receiving node)
	r := e.upload("pve2", "local", tokCastellan, [][2]string{{"content", "iso"}}, "ci 140.iso", data)
	up := e.upid(r)
	if !strings.HasPrefix(up, "UPID:pve1:") || !strings.Contains(up, ":imgcopy::castellan@pve!castellan:") {
		t.Errorf("upload UPID %q", up)
	}
	if x := e.wait(tokCastellan, up); x != "OK" {
		t.Fatalf("upload %q", x)
	}
	c := e.do("GET", "/nodes/pve2/storage/local/content?content=iso", tokCastellan, nil).expect(t, 200, "OK").data().([]any)
	vols := map[string]bool{}
	for _, x := range c {
		vols[x.(map[string]any)["volid"].(string)] = true
	}
	if !vols["local:iso/ci_140.iso"] || !vols["local:iso/talos-v1.11.0-nocloud-amd64.iso"] || len(vols) != 2 {
		t.Errorf("content %v", vols)
	}
	if c := e.do("GET", "/nodes/pve1/storage/local/content?content=iso", tokCastellan, nil).data().([]any); len(c) != 1 {
		t.Errorf("pve1 local has %d ISOs: local storages are per node", len(c))
	}
	got := e.do("GET", "/_twin/pve/file?node=pve2&volid=local:iso/ci_140.iso", "", nil)
	if string(got.raw) != string(data) {
		t.Errorf("stored bytes %q", got.raw)
	}
	// wrong extension, unsupported content, checksum mismatch
	if errs := e.upload("pve1", "local", tokCastellan, [][2]string{{"content", "iso"}}, "x.txt", data).paramErrs(t); errs["filename"] != "wrong file extension" {
		t.Errorf("%v", errs)
	}
	e.upload("pve1", "local-lvm", tokCastellan, [][2]string{{"content", "iso"}}, "x.iso", data).paramErrs(t)
	up = e.upid(e.upload("pve1", "local", tokCastellan, [][2]string{{"content", "iso"}, {"checksum-algorithm", "sha256"}, {"checksum", strings.Repeat("0", 64)}}, "y.iso", data))
	if x := e.wait(tokCastellan, up); !strings.HasPrefix(x, "checksum mismatch") {
		t.Errorf("checksum %q", x)
	}
	e.upload("pve1", "local", tokFresh, [][2]string{{"content", "iso"}}, "x.iso", data).expect(t, 403, "Permission check failed (/storage/local, Datastore.AllocateTemplate)")
	// volume info, delete
	info := e.do("GET", "/nodes/pve2/storage/local/content/local:iso/ci_140.iso", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	if info["path"] != "/var/lib/vz/template/iso/ci_140.iso" || info["size"] != float64(len(data)) {
		t.Errorf("info %v", info)
	}
	up = e.upid(e.do("DELETE", "/nodes/pve2/storage/local/content/"+url.PathEscape("local:iso/ci_140.iso"), tokCastellan, nil))
	if !strings.Contains(up, ":imgdel:local:castellan@pve!castellan:") {
		t.Errorf("imgdel UPID %q", up)
	}
	if x := e.wait(tokCastellan, up); x != "OK" {
		t.Errorf("delete %q", x)
	}
	e.do("DELETE", "/nodes/pve2/storage/local/content/local:iso/ci_140.iso", tokCastellan, nil).expect(t, 500, "volume 'local:iso/ci_140.iso' does not exist")
	// shared storage: one content for both nodes
	e.wait(tokCastellan, e.upid(e.upload("pve1", "nas", tokCastellan, [][2]string{{"content", "iso"}}, "shared.iso", data)))
	if c := e.do("GET", "/nodes/pve2/storage/nas/content", tokCastellan, nil).data().([]any); len(c) != 1 {
		t.Errorf("shared storage content on pve2: %v", c)
	}
	sl := e.do("GET", "/nodes/pve1/storage?content=iso", tokCastellan, nil).expect(t, 200, "OK").data().([]any)
	if len(sl) != 2 {
		t.Errorf("iso storages %v", sl)
	}
}

func TestDownloadURL(t *testing.T) {
	e := start(t, nil)
	dl := func(fields map[string]any) string {
		return e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/storage/local/download-url", tokCastellan, fields)))
	}
	const hello = "https://example.com/hello.iso"
	sum := "853ff93762a06ddbf722c4ebe9ddd66d8f63ddaea97f521c3ecc20da7c976020" // sha256("hello, world\n")
	if x := dl(map[string]any{"url": hello, "content": "iso", "filename": "hello.iso"}); x != "OK" {
		t.Fatalf("download %q", x)
	}
	if got := e.do("GET", "/_twin/pve/file?node=pve2&volid=local:iso/hello.iso", "", nil).raw; string(got) != "hello, world\n" {
		t.Errorf("downloaded %q", got)
	}
	if x := dl(map[string]any{"url": hello, "content": "iso", "filename": "hello.iso"}); x != "refusing to override existing file '/var/lib/vz/template/iso/hello.iso'" {
		t.Errorf("again without checksum %q", x)
	}
	if x := dl(map[string]any{"url": hello, "content": "iso", "filename": "hello.iso", "checksum": sum, "checksum-algorithm": "sha256"}); x != "OK" {
		t.Errorf("again with checksum %q", x)
	}
	if x := dl(map[string]any{"url": hello, "content": "iso", "filename": "h2.iso", "checksum": strings.Repeat("1", 64), "checksum-algorithm": "sha256"}); !strings.HasPrefix(x, "checksum mismatch") {
		t.Errorf("mismatch %q", x)
	}
	if x := dl(map[string]any{"url": "https://example.com/none.iso", "content": "iso", "filename": "none.iso"}); !strings.Contains(x, "404 Not Found") {
		t.Errorf("404 %q", x)
	}
	up := e.upid(e.do("POST", "/nodes/pve2/storage/local/download-url", tokCastellan, map[string]any{"url": hello, "content": "iso", "filename": "h3.iso"}))
	if !strings.HasPrefix(up, "UPID:pve2:") || !strings.Contains(up, ":download:h3.iso:") {
		t.Errorf("UPID %q", up)
	}
	// needs Sys.AccessNetwork (or Sys.Audit+Sys.Modify on /)
	e.do("POST", "/nodes/pve2/storage/local/download-url", tokNoVLAN, map[string]any{"url": hello, "content": "iso", "filename": "h4.iso"}).
		expect(t, 403, "Permission check failed (/, Sys.Audit)")
}

func TestCidata(t *testing.T) {
	e := start(t, nil)
	iso := cidataISO(t, "cidata", map[string]string{
		"user-data": "version: v1alpha1\nmachine:\n  type: controlplane\n", "meta-data": "instance-id: cp-1\nlocal-hostname: cp-1\n",
		"network-config": "version: 2\n",
	})
	e.wait(tokCastellan, e.upid(e.upload("pve1", "local", tokCastellan, [][2]string{{"content", "iso"}}, "ci-170.iso", iso)))
	e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{
		"vmid": 170, "scsi0": "local-lvm:8", "ide0": "local:iso/ci-170.iso,media=cdrom", "ide2": "local:iso/talos-v1.11.0-nocloud-amd64.iso,media=cdrom",
	})))
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/170/status/start", tokCastellan, nil))); x != "OK" {
		t.Fatalf("start %q", x)
	}
	v := e.vmState(170)
	cd, _ := v["cidata"].(map[string]any)
	if cd == nil || cd["userData"] != "version: v1alpha1\nmachine:\n  type: controlplane\n" || cd["metaData"] != "instance-id: cp-1\nlocal-hostname: cp-1\n" ||
		cd["networkConfig"] != "version: 2\n" || cd["volid"] != "local:iso/ci-170.iso" || cd["names"] != "rockridge" {
		t.Errorf("cidata %v", v["cidata"])
	}
	// a VM without a cidata ISO just runs
	e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu", tokCastellan, map[string]any{"vmid": 171, "scsi0": "local-lvm:8"})))
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve1/qemu/171/status/start", tokCastellan, nil))); x != "OK" {
		t.Fatalf("start %q", x)
	}
	if v := e.vmState(171); v["cidata"] != nil || v["status"] != "running" {
		t.Errorf("vm 171 %v", v)
	}
	// a missing ISO or bridge fails the start
	e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/qemu", tokCastellan, map[string]any{"vmid": 172, "ide2": "local:iso/ci-170.iso,media=cdrom", "net0": "virtio,bridge=vmbr1"})))
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/qemu/172/status/start", tokCastellan, nil))); x != "bridge 'vmbr1' does not exist" && x != "volume 'local:iso/ci-170.iso' does not exist" {
		t.Errorf("start 172 %q", x)
	}
}

// Clone: a template's default is a linked clone on the template's storage,
// named after it; privileges and a shared target are checked before any
// VM appears; a full clone to shared storage may move to another node.
func TestClone(t *testing.T) {
	e := start(t, func(c *Config) {
		for i := range c.Storages {
			if c.Storages[i].ID == "nas" {
				c.Storages[i].Content = append(c.Storages[i].Content, "images")
			}
		}
	})
	e.do("POST", "/nodes/pve2/qemu/9001/clone", tokFresh, map[string]any{"newid": 300}).expect(t, 403, "Permission check failed (/vms/9001, VM.Clone)")
	e.do("POST", "/nodes/pve2/qemu/9001/clone", tokCastellan, map[string]any{}).expect(t, 400, "Parameter verification failed.")
	e.do("POST", "/nodes/pve2/qemu/9001/clone", tokCastellan, map[string]any{"newid": 300, "target": "pve9"}).expect(t, 500, "no such cluster node 'pve9'")
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/qemu/9001/clone", tokCastellan, map[string]any{"newid": 300}))); x != "OK" {
		t.Fatalf("linked clone: %q", x)
	}
	conf := e.do("GET", "/nodes/pve2/qemu/300/config", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	if conf["name"] != "Copy-of-VM-talos-v1-11-0" || conf["scsi0"] != "local-lvm:base-9001-disk-0/vm-300-disk-0,size=2G" || conf["template"] != nil {
		t.Errorf("linked clone config %v", conf)
	}
	// a linked clone needs a base volume: 300 is no template
	e.do("POST", "/nodes/pve2/qemu/300/clone", tokCastellan, map[string]any{"newid": 304, "full": 0}).
		expect(t, 500, "Linked clone feature is not supported for drive 'scsi0'")
	// a full clone to shared storage can land on pve1; the VM lives there
	e.do("POST", "/nodes/pve2/qemu/300/clone", tokCastellan, map[string]any{"newid": 301, "full": 1, "storage": "nas", "target": "pve1"}).
		expect(t, 500, "can't clone VM to node 'pve1' (VM uses local storage)")
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/qemu/300/clone", tokCastellan, map[string]any{"newid": 301, "full": 1, "storage": "nas", "name": "on-nas"}))); x != "OK" {
		t.Fatalf("full clone to nas: %q", x)
	}
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/qemu/301/clone", tokCastellan, map[string]any{"newid": 302, "full": 1, "storage": "nas", "target": "pve1", "name": "moved"}))); x != "OK" {
		t.Fatalf("cross-node clone: %q", x)
	}
	conf = e.do("GET", "/nodes/pve1/qemu/302/config", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	if conf["name"] != "moved" || conf["scsi0"] != "nas:302/vm-302-disk-0.raw,size=2G" {
		t.Errorf("moved clone config %v", conf)
	}
	// a clone whose copy fails leaves nothing
	e.do("POST", "/nodes/pve2/qemu/9001/clone", tokCastellan, map[string]any{"newid": 303, "full": 0, "storage": "nas"}).
		expect(t, 500, "parameter 'storage' not allowed for linked clones")
	e.tw.mu.Lock()
	e.tw.stores["local-lvm"].TotalBytes = 1 << 30
	e.tw.mu.Unlock()
	if x := e.wait(tokCastellan, e.upid(e.do("POST", "/nodes/pve2/qemu/9001/clone", tokCastellan, map[string]any{"newid": 303, "full": 1}))); !strings.HasPrefix(x, "clone failed: lvcreate 'pve/vm-303-disk-0' error") {
		t.Errorf("clone onto a full storage: %q", x)
	}
	e.do("GET", "/nodes/pve2/qemu/303/config", tokCastellan, nil).expect(t, 500, "Configuration file 'nodes/pve2/qemu-server/303.conf' does not exist")

	// the qmclone worker: the new VM appears as {lock: clone} while the
	// disks copy, with a fresh vmgenid when the source has one
	e.tw.mu.Lock()
	e.tw.cfg.TaskMsByType = map[string]int{"qmclone": 400}
	e.tw.stores["local-lvm"].TotalBytes = 1 << 40
	e.tw.mu.Unlock()
	up := e.upid(e.do("POST", "/nodes/pve1/qemu/9000/clone", tokCastellan, map[string]any{"newid": 305, "full": 1}))
	locked := false
	for i := 0; i < 100 && !locked; i++ {
		r := e.do("GET", "/nodes/pve1/qemu/305/config", tokCastellan, nil)
		locked = r.status == 200 && r.data().(map[string]any)["lock"] == "clone"
		time.Sleep(5 * time.Millisecond)
	}
	if !locked {
		t.Error("no lock: clone seen during the clone")
	}
	if x := e.wait(tokCastellan, up); x != "OK" {
		t.Fatalf("clone of 9000: %q", x)
	}
	conf = e.do("GET", "/nodes/pve1/qemu/305/config", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	src := e.do("GET", "/nodes/pve1/qemu/9000/config", tokCastellan, nil).expect(t, 200, "OK").data().(map[string]any)
	if g, _ := conf["vmgenid"].(string); len(g) != 36 || g == src["vmgenid"] || conf["lock"] != nil ||
		conf["ide2"] != "local-lvm:vm-305-cloudinit,media=cdrom" {
		t.Errorf("clone of 9000: %v", conf)
	}
}
