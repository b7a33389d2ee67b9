package proxmox

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"castellan/twin/twinkit"
)

// The test-only control API under /_twin/pve/ (no auth, JSON):
//
//	GET    /_twin/pve/state     nodes, storages with their contents, VMs (config, status, tags, ISOs, cidata files), tasks, faults
//	GET    /_twin/pve/file      ?node=pve1&volid=local:iso/x.iso: a stored file's bytes
//	PUT    /_twin/pve/file      {node, storage, content, name, text|base64|size}: plants a file
//	PATCH  /_twin/pve/vm        {vmid, status: "running"|"stopped", node}: power a VM off/on, or move it, behind the API's back
//	GET    /_twin/pve/requests  the request log (?since=SEQ)
//	DELETE /_twin/pve/requests  clears it
//	GET    /_twin/pve/faults    the current faults (remaining counts)
//	POST   /_twin/pve/faults    installs a fault set (see Faults)
//	DELETE /_twin/pve/faults    clears the faults
//	POST   /_twin/pve/reset     reloads the config (a non-empty body is a whole new config)

func (t *Twin) control(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 512<<20))
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	reply := func(status int, v any) {
		b, _ := json.Marshal(v)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		w.Write(b)
	}
	fail := func(status int, msg string) { reply(status, map[string]string{"error": msg}) }
	decode := func(v any) bool {
		if err := twinkit.DecodeStrict(body, v); err != nil {
			fail(400, "bad JSON: "+err.Error())
			return false
		}
		return true
	}
	switch r.Method + " " + strings.TrimSuffix(r.URL.Path, "/") {
	case "GET /_twin/pve/state":
		reply(200, t.stateView())
	case "GET /_twin/pve/file":
		q := r.URL.Query()
		nodeName := q.Get("node")
		if nodeName == "" {
			nodeName = t.localNode()
		}
		st, name, _ := strings.Cut(q.Get("volid"), ":")
		if t.stores[st] == nil {
			fail(404, "no such storage")
			return
		}
		v := t.volume(nodeName, st, name)
		if v == nil {
			fail(404, "no such volume")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(v.data)
	case "PUT /_twin/pve/file":
		var f struct {
			Node    string `json:"node"`
			Storage string `json:"storage"`
			FileConfig
		}
		if !decode(&f) {
			return
		}
		s := t.stores[f.Storage]
		if s == nil || f.Name == "" || (f.Content != "iso" && f.Content != "import" && f.Content != "vztmpl" && f.Content != "snippets") {
			fail(400, "unknown storage, or bad name or content")
			return
		}
		if f.Node == "" {
			f.Node = t.localNode()
		}
		if t.nodeBy[f.Node] == nil || !t.storageOnNode(s, f.Node) {
			fail(400, "storage not on that node")
			return
		}
		data, err := fileBytes(f.Text, f.Base64, f.Size)
		if err != nil {
			fail(400, err.Error())
			return
		}
		v := &volume{storage: s.ID, name: f.Content + "/" + f.Name, content: f.Content, format: fileFormat(f.Content, f.Name),
			size: int64(len(data)), ctime: time.Now().Unix(), data: data}
		t.putVolume(f.Node, v)
		reply(200, map[string]string{"volid": v.volid()})
	case "PATCH /_twin/pve/vm":
		var p struct {
			VMID   int    `json:"vmid"`
			Status string `json:"status"`
			Node   string `json:"node"`
		}
		if !decode(&p) {
			return
		}
		v := t.vms[p.VMID]
		if v == nil {
			fail(404, "no such VM")
			return
		}
		switch p.Status {
		case "":
		case "stopped":
			v.status, v.pid = "stopped", 0
		case "running":
			v.status, v.started, v.pid = "running", time.Now(), int(randU32()%4000000+1000)
		default:
			fail(400, "status must be running or stopped")
			return
		}
		if p.Node != "" {
			if t.nodeBy[p.Node] == nil {
				fail(400, "no such node")
				return
			}
			v.node = p.Node
		}
		reply(200, t.vmView(v))
	case "GET /_twin/pve/requests":
		reply(200, t.reqs.ListView(r))
	case "DELETE /_twin/pve/requests":
		reply(200, t.reqs.ClearView())
	case "GET /_twin/pve/faults":
		reply(200, t.faultView())
	case "POST /_twin/pve/faults":
		var f Faults
		if !decode(&f) {
			return
		}
		if e := t.setFaults(f); e != nil {
			fail(400, e.Msg)
			return
		}
		reply(200, t.faultView())
	case "DELETE /_twin/pve/faults":
		t.faults = faultState{}
		reply(200, t.faultView())
	case "POST /_twin/pve/reset":
		if status, err := twinkit.ResetFromBody(body, ParseConfig, t.sourceConfig, t.reset); err != nil {
			fail(status, err.Error())
			return
		}
		reply(200, map[string]any{"reset": true})
	default:
		fail(404, "no such control endpoint: "+r.Method+" "+r.URL.Path)
	}
}

// VMView is one VM in GET /_twin/pve/state.
type VMView struct {
	VMID    int               `json:"vmid"`
	Node    string            `json:"node"`
	Name    string            `json:"name"`
	Status  string            `json:"status"`
	Lock    string            `json:"lock,omitempty"`
	Tags    []string          `json:"tags"`
	Config  map[string]string `json:"config"`
	ISOs    []string          `json:"isos"`   // ISO volids attached now
	Booted  []string          `json:"booted"` // ISO volids attached at the last start
	Starts  int               `json:"starts"`
	Cidata  *Cidata           `json:"cidata"` // read at the last start; null without a cidata ISO
	Created string            `json:"createdBy,omitempty"`
}

func (t *Twin) vmView(v *vm) VMView {
	out := VMView{VMID: v.vmid, Node: v.node, Name: v.conf["name"], Status: v.status, Lock: v.conf["lock"],
		Tags: splitTags(v.conf["tags"]), Config: map[string]string{}, ISOs: []string{}, Booted: v.booted,
		Starts: v.starts, Cidata: v.cidata, Created: v.createdBy}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if out.Booted == nil {
		out.Booted = []string{}
	}
	for k, val := range v.conf {
		out.Config[k] = val
		if isDriveKey(k) && strings.Contains(val, "media=cdrom") {
			if f := strings.SplitN(val, ",", 2)[0]; strings.Contains(f, ":iso/") {
				out.ISOs = append(out.ISOs, f)
			}
		}
	}
	return out
}

type volumeView struct {
	VolID   string  `json:"volid"`
	Content string  `json:"content"`
	Format  string  `json:"format"`
	Size    int64   `json:"size"`
	VMID    int     `json:"vmid,omitempty"`
	Cidata  *Cidata `json:"cidata,omitempty"` // for ISOs labelled cidata
}

type storageView struct {
	Node    string       `json:"node"` // "" for a shared storage
	Storage string       `json:"storage"`
	Type    string       `json:"type"`
	Volumes []volumeView `json:"volumes"`
}

type taskView struct {
	UPID       string   `json:"upid"`
	Node       string   `json:"node"`
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	User       string   `json:"user"`
	Status     string   `json:"status"`
	ExitStatus string   `json:"exitstatus,omitempty"`
	Log        []string `json:"log"`
}

func (t *Twin) stateView() map[string]any {
	vms := []VMView{}
	for _, v := range t.vmsSorted() {
		vms = append(vms, t.vmView(v))
	}
	stores := []storageView{}
	for _, sc := range t.cfg.Storages {
		s := t.stores[sc.ID]
		for _, n := range t.nodes {
			if !t.storageOnNode(s, n.name) {
				continue
			}
			sv := storageView{Node: n.name, Storage: s.ID, Type: s.Type, Volumes: []volumeView{}}
			if s.Shared {
				sv.Node = ""
			}
			for _, v := range t.volumes(n.name, s.ID) {
				vv := volumeView{VolID: v.volid(), Content: v.content, Format: v.format, Size: v.size, VMID: v.vmid}
				if v.content == "iso" {
					vv.Cidata = readCidata(v.volid(), v.data)
				}
				sv.Volumes = append(sv.Volumes, vv)
			}
			stores = append(stores, sv)
			if s.Shared {
				break
			}
		}
	}
	tasks := []taskView{}
	for _, tk := range t.torder {
		tasks = append(tasks, taskView{UPID: tk.upid, Node: tk.node, Type: tk.typ, ID: tk.id, User: tk.user,
			Status: tk.status, ExitStatus: tk.exit, Log: append([]string{}, tk.log...)})
	}
	nodes := []map[string]any{}
	for _, n := range t.nodes {
		nodes = append(nodes, map[string]any{"node": n.name, "online": n.online, "local": n.name == t.localNode()})
	}
	return map[string]any{"nodes": nodes, "vms": vms, "storages": stores, "tasks": tasks, "faults": t.faultView()}
}
