// Package pvecheck runs an independent Proxmox VE client library,
// github.com/luthermonson/go-proxmox, used the normal way (API token, the
// twin's CA as root), against the Proxmox twin over HTTPS, so the twin
// cannot drift from what a real client sends and expects.
package pvecheck

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	px "github.com/luthermonson/go-proxmox"

	"castellan/twin/proxmox"
	"castellan/twin/twinkit/twintest"
)

const (
	tokenID     = "castellan@pve!castellan"
	tokenSecret = "7b5f1656-dbe1-4d05-ad0e-d854676096ac"
)

type env struct {
	t      *testing.T
	base   string
	hc     *http.Client
	client *px.Client
}

func start(t *testing.T) *env {
	t.Helper()
	c, err := proxmox.LoadConfig("../testdata/proxmox.json")
	if err != nil {
		t.Fatal(err)
	}
	ms := 50
	c.TaskMs, c.TaskMsByType = &ms, nil
	tw, err := proxmox.New(proxmox.Options{Config: c})
	if err != nil {
		t.Fatal(err)
	}
	srv, ca, tlsCfg := twintest.ServeTLS(t, tw)
	client := px.NewClient(srv.URL+"/api2/json",
		px.WithAPIToken(tokenID, tokenSecret),
		px.WithRootCAs(ca.Pool()),
		px.WithTimeout(20*time.Second),
	)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg.Clone()}}
	hc.Transport.(*http.Transport).TLSClientConfig.RootCAs = ca.Pool()
	hc.Transport.(*http.Transport).TLSClientConfig.Certificates = nil
	return &env{t: t, base: srv.URL, hc: hc, client: client}
}

// state reads the twin's control API.
func (e *env) vmState(vmid int) map[string]any {
	e.t.Helper()
	res, err := e.hc.Get(e.base + "/_twin/pve/state")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var st struct {
		VMs []map[string]any `json:"vms"`
	}
	json.Unmarshal(raw, &st)
	for _, v := range st.VMs {
		if v["vmid"] == float64(vmid) {
			return v
		}
	}
	return nil
}

func wait(t *testing.T, ctx context.Context, task *px.Task, what string) {
	t.Helper()
	if task == nil {
		t.Fatalf("%s: no task", what)
	}
	if err := task.Wait(ctx, 50*time.Millisecond, 10*time.Second); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func TestGoProxmoxLifecycle(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	c := e.client

	v, err := c.Version(ctx)
	if err != nil || v.Release != "9.1" {
		t.Fatalf("version: %+v %v", v, err)
	}
	nodes, err := c.Nodes(ctx)
	if err != nil || len(nodes) != 3 || nodes[0].Node != "pve1" || nodes[0].Status != "online" || nodes[2].Status != "offline" {
		t.Fatalf("nodes: %v %v", nodes, err)
	}
	cl, err := c.Cluster(ctx) // /cluster/status needs Sys.Audit on /: a 403 the library tolerates
	if err != nil {
		t.Fatalf("cluster: %v", err)
	}
	res, err := cl.Resources(ctx, "vm")
	if err != nil || len(res) != 4 { // 900, 901 and templates 9000, 9001
		t.Fatalf("resources: %v %v", res, err)
	}
	for _, r := range res {
		if r.VMID == 901 && (r.Node != "pve2" || r.Tags != "castellan-homelab" || r.Type != "qemu") {
			t.Errorf("resource 901: %+v", r)
		}
	}
	id, err := cl.NextID(ctx)
	if err != nil || id != 100 {
		t.Fatalf("nextid %d %v", id, err)
	}
	if free, err := cl.CheckID(ctx, 900); err != nil || free {
		t.Errorf("CheckID(900): %v %v", free, err)
	}

	node := c.NodeRef("pve1")
	// upload an ISO, list it
	iso := filepath.Join(t.TempDir(), "talos-extra.iso")
	os.WriteFile(iso, make([]byte, 40000), 0o644)
	local := node.StorageRef("local")
	task, err := local.Upload("iso", iso)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	wait(t, ctx, task, "upload")
	content, err := local.GetContent(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var vols []string
	for _, ct := range content {
		vols = append(vols, ct.Volid)
	}
	if strings.Join(vols, " ") != "local:iso/talos-extra.iso local:iso/talos-v1.11.0-nocloud-amd64.iso" {
		t.Errorf("content %v", vols)
	}

	// create a VM with a disk, a NIC and a cdrom
	task, err = node.NewVirtualMachine(ctx, 180,
		px.VirtualMachineOption{Name: "name", Value: "talos-cp-1"},
		px.VirtualMachineOption{Name: "memory", Value: 4096},
		px.VirtualMachineOption{Name: "cores", Value: 2},
		px.VirtualMachineOption{Name: "cpu", Value: "x86-64-v2-AES"},
		px.VirtualMachineOption{Name: "scsihw", Value: "virtio-scsi-single"},
		px.VirtualMachineOption{Name: "scsi0", Value: "local-lvm:16,iothread=1"},
		px.VirtualMachineOption{Name: "net0", Value: "virtio,bridge=vmbr0,tag=20"},
		px.VirtualMachineOption{Name: "ide2", Value: "local:iso/talos-v1.11.0-nocloud-amd64.iso,media=cdrom"},
		px.VirtualMachineOption{Name: "boot", Value: "order=scsi0;ide2"},
		px.VirtualMachineOption{Name: "serial0", Value: "socket"},
		px.VirtualMachineOption{Name: "tags", Value: "castellan-homelab"},
		px.VirtualMachineOption{Name: "onboot", Value: true},
	)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if task.Type != "qmcreate" || task.ID != "180" || task.Node != "pve1" {
		t.Errorf("task %+v", task)
	}
	wait(t, ctx, task, "create")

	// the same VMID again: a 500 whose reason phrase says "already exists"
	_, err = node.NewVirtualMachine(ctx, 180)
	var apiErr *px.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !strings.Contains(apiErr.Message, "VM 180 already exists on node 'pve1'") {
		t.Errorf("duplicate create: %v", err)
	}
	// the wrong node: "does not exist", which the library maps to not-found
	if _, err := c.NodeRef("pve2").VirtualMachine(ctx, 180); !px.IsNotFound(err) {
		t.Errorf("wrong node: %v", err)
	}
	// bad parameters: 400 with per-parameter errors
	_, err = node.NewVirtualMachine(ctx, 181, px.VirtualMachineOption{Name: "name", Value: "bad_name"})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Errors["name"] == "" {
		t.Errorf("bad name: %v", err)
	}

	vm, err := node.VirtualMachine(ctx, 180)
	if err != nil {
		t.Fatalf("vm: %v", err)
	}
	cfg := vm.VirtualMachineConfig
	if vm.Status != "stopped" || vm.Name != "talos-cp-1" || cfg.Cores == nil || *cfg.Cores != 2 || cfg.Memory != 4096 ||
		cfg.SCSIs["scsi0"] != "local-lvm:vm-180-disk-0,iothread=1,size=16G" || !strings.HasPrefix(cfg.Nets["net0"], "virtio=BC:24:11:") ||
		cfg.IDEs["ide2"] != "local:iso/talos-v1.11.0-nocloud-amd64.iso,media=cdrom" || !vm.HasTag("castellan-homelab") {
		t.Errorf("vm %+v config %+v", vm, cfg)
	}

	// go-proxmox's own cidata ISO (go-diskfs, Rock Ridge + Joliet), uploaded and attached as ide0
	userData := "version: v1alpha1\nmachine:\n  type: controlplane\n"
	if err := vm.CloudInit(ctx, "ide0", userData, "instance-id: talos-cp-1\n", "", "version: 1\nconfig: []\n"); err != nil {
		t.Fatalf("CloudInit: %v", err)
	}
	task, err = vm.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, task, "start")
	if err := vm.Ping(ctx); err != nil || !vm.IsRunning() {
		t.Errorf("after start: %v %+v", err, vm)
	}
	st := e.vmState(180)
	cd, _ := st["cidata"].(map[string]any)
	if cd == nil || cd["userData"] != userData || cd["metaData"] != "instance-id: talos-cp-1\n" || cd["networkConfig"] != "version: 1\nconfig: []\n" ||
		cd["volid"] != "local:iso/user-data-180.iso" || cd["names"] != "rockridge" {
		t.Errorf("cidata seen by the node: %v", st["cidata"])
	}
	log, err := task.Log(ctx, 0, 50)
	if err != nil || log[len(log)-1] != "TASK OK" {
		t.Errorf("task log %v %v", log, err)
	}

	task, err = vm.Stop(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, task, "stop")
	// Delete also removes go-proxmox's cloud-init ISO (it finds it through the tag)
	task, err = vm.Delete(ctx, &px.VirtualMachineDeleteOptions{Purge: true, DestroyUnreferencedDisks: true})
	if err != nil {
		t.Fatalf("delete: %v", err)
	}
	wait(t, ctx, task, "delete")
	if e.vmState(180) != nil {
		t.Error("VM 180 still there")
	}
	task, err = local.DeleteContent(ctx, "local:iso/talos-extra.iso")
	if err != nil {
		t.Fatalf("delete content: %v", err)
	}
	wait(t, ctx, task, "delete content")
	content, _ = local.GetContent(ctx)
	if len(content) != 1 || content[0].Volid != "local:iso/talos-v1.11.0-nocloud-amd64.iso" {
		t.Errorf("content left: %v", content)
	}
	imgs, _ := node.StorageRef("local-lvm").GetContent(ctx)
	if len(imgs) != 3 { // VM 900's disk and template 9000's two

		t.Errorf("disks left: %v", imgs)
	}

	// a failing task surfaces as TaskFailedError with PVE's exit status
	task, err = c.NodeRef("pve1").VirtualMachineRef(900).Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	err = task.Wait(ctx, 50*time.Millisecond, 10*time.Second)
	var tfe *px.TaskFailedError
	if !errors.As(err, &tfe) || tfe.ExitStatus != "VM 900 already running" {
		t.Errorf("start a running VM: %v", err)
	}
}

// go-proxmox clones template 9000 (pve1, local-lvm): a full clone gets its
// own disk and cloud-init drive, a fresh MAC and SMBIOS UUID, and loses the
// template flag; the refusals come back as PVE words them.
func TestGoProxmoxClone(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	node, err := e.client.Node(ctx, "pve1")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := node.VirtualMachine(ctx, 9000)
	if err != nil || !bool(tmpl.Template) {
		t.Fatalf("template 9000: %+v %v", tmpl, err)
	}
	newid, task, err := tmpl.Clone(ctx, &px.VirtualMachineCloneOptions{NewID: 190, Name: "talos-cp-9", Full: true, Storage: "local-lvm"})
	if err != nil || newid != 190 {
		t.Fatalf("clone: %v", err)
	}
	if task.Type != "qmclone" || task.ID != "9000" || task.Node != "pve1" {
		t.Errorf("task %+v", task)
	}
	wait(t, ctx, task, "clone")
	vm, err := node.VirtualMachine(ctx, 190)
	if err != nil {
		t.Fatal(err)
	}
	cfg, tcfg := vm.VirtualMachineConfig, tmpl.VirtualMachineConfig
	if bool(vm.Template) || vm.Name != "talos-cp-9" || cfg.SCSIs["scsi0"] != "local-lvm:vm-190-disk-0,size=2G" ||
		cfg.IDEs["ide2"] != "local-lvm:vm-190-cloudinit,media=cdrom" || cfg.SMBios1 == tcfg.SMBios1 ||
		!strings.HasPrefix(cfg.Nets["net0"], "virtio=BC:24:11:") || cfg.Nets["net0"] == tcfg.Nets["net0"] ||
		!strings.HasSuffix(cfg.Nets["net0"], ",bridge=vmbr0") || cfg.Boot != "order=scsi0" || cfg.Lock != "" ||
		cfg.VMGenID == nil || tcfg.VMGenID == nil || *cfg.VMGenID == *tcfg.VMGenID {
		t.Errorf("clone %+v config %+v", vm, cfg)
	}
	task, err = vm.ResizeDisk(ctx, "scsi0", "20G")
	if err != nil {
		t.Fatal(err)
	}
	wait(t, ctx, task, "resize")
	if vm, err = node.VirtualMachine(ctx, 190); err != nil || vm.VirtualMachineConfig.SCSIs["scsi0"] != "local-lvm:vm-190-disk-0,size=20G" {
		t.Errorf("after resize: %+v %v", vm, err)
	}

	refused := map[string]*px.VirtualMachineCloneOptions{
		"can't clone to non-shared storage 'local-lvm'":         {NewID: 191, Full: true, Storage: "local-lvm", Target: "pve2"},
		"can't clone VM to node 'pve2' (VM uses local storage)": {NewID: 191, Full: true, Target: "pve2"},
		"parameter 'storage' not allowed for linked clones":     {NewID: 191, Storage: "local-lvm"},
		"unable to create VM 900: config file already exists":   {NewID: 900, Full: true},
	}
	for want, opt := range refused {
		_, _, err := tmpl.Clone(ctx, opt)
		var apiErr *px.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !strings.Contains(apiErr.Message, want) {
			t.Errorf("clone %+v: %v, want %q", opt, err, want)
		}
	}
	if e.vmState(191) != nil {
		t.Error("a refused clone left VM 191 behind")
	}
}

func TestGoProxmoxErrors(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	bad := px.NewClient(e.base+"/api2/json", px.WithAPIToken(tokenID, "wrong"), px.WithHTTPClient(e.hc))
	t0 := time.Now()
	_, err := bad.Version(ctx)
	if !px.IsNotAuthorized(err) || time.Since(t0) < 2*time.Second {
		t.Errorf("bad token: %v after %v", err, time.Since(t0))
	}
	fresh := px.NewClient(e.base+"/api2/json", px.WithAPIToken("castellan@pve!fresh", "0d3c9f0e-6d0b-4b8e-9d8f-2a8c1d1f5e77"), px.WithHTTPClient(e.hc))
	_, err = fresh.NodeRef("pve1").NewVirtualMachine(ctx, 190)
	var apiErr *px.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Message != "Permission check failed (/vms/190, VM.Allocate)" {
		t.Errorf("fresh token: %v", err)
	}
	// an offline node answers 595
	_, err = e.client.NodeRef("pve3").VirtualMachines(ctx)
	if !errors.Is(err, px.ErrNodeUnreachable) {
		t.Errorf("offline node: %v", err)
	}
}
