package proxmox

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// POST /nodes/{node}/qemu/{vmid}/clone, as qemu-server's clone_vm does it:
// the checks it makes before forking run synchronously (500 with PVE's
// message); the qmclone task (id = the source VMID) takes the new VMID's
// lock, writes its config as {lock: clone} at once, copies the disks, and
// then the config. (PVE rewrites the config after each disk; the twin
// writes it once, at the end.)

var cloneParams = []string{"newid", "name", "description", "pool", "snapname", "storage", "format", "full", "target", "bwlimit"}

// cloneArgs are the checked parameters.
type cloneArgs struct {
	newid              int
	name, desc, pool   string
	storage, format    string
	target             string
	full, fullExplicit bool
}

func (c *call) cloneParams() (*cloneArgs, *apiError) {
	if e := c.allow(cloneParams...); e != nil {
		return nil, e
	}
	a := &cloneArgs{name: c.params["name"], desc: c.params["description"], pool: c.params["pool"],
		storage: c.params["storage"], format: c.params["format"], target: c.params["target"]}
	errs := map[string]string{}
	s, ok := c.params["newid"]
	var msg string
	if a.newid, msg = checkVMID(s, ok); msg != "" {
		errs["newid"] = msg
	}
	if v, ok := c.params["full"]; ok {
		b, ok := parseBool(v)
		if !ok {
			errs["full"] = "type check ('boolean') failed - got '" + v + "'"
		}
		a.full, a.fullExplicit = b, true
	}
	if v, ok := c.params["format"]; ok && v != "raw" && v != "qcow2" && v != "vmdk" {
		errs["format"] = "value '" + v + "' does not have a value in the enumeration 'raw, qcow2, vmdk'"
	}
	if a.name != "" {
		if msg := checkValue("name", a.name, confSchema["name"]); msg != "" {
			errs["name"] = msg
		}
	}
	if _, ok := c.params["snapname"]; ok {
		errs["snapname"] = "the twin keeps no snapshots"
	}
	if len(errs) > 0 {
		return nil, paramErr(errs)
	}
	return a, nil
}

func (c *call) cloneVM() (any, *apiError) {
	t := c.t
	a, e := c.cloneParams()
	if e != nil {
		return nil, e
	}
	src, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", src.vmid), "VM.Clone"); e != nil {
		return nil, e
	}
	if a.pool != "" {
		if e := t.checkAll(c.who, "/pool/"+a.pool, "VM.Allocate"); e != nil {
			return nil, e
		}
	} else if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", a.newid), "VM.Allocate"); e != nil {
		return nil, e
	}
	// the API runs on the path's node: a target naming it is no target
	if a.target == src.node || a.target == "localhost" {
		a.target = ""
	}
	if a.target != "" && t.nodeBy[a.target] == nil {
		return nil, err500("no such cluster node '%s'", a.target)
	}
	if e := t.cloneStorage(a, src.node); e != nil {
		return nil, e
	}
	if l := src.conf["lock"]; l != "" {
		return nil, err500("VM is locked (%s)", l)
	}
	if !a.fullExplicit {
		tmpl, _ := parseBool(src.conf["template"])
		a.full = !tmpl
	}
	if a.storage != "" && !a.full {
		return nil, err500("parameter 'storage' not allowed for linked clones")
	}
	if a.format != "" && !a.full {
		return nil, err500("parameter 'format' not allowed for linked clones")
	}
	if !a.full {
		for _, k := range sortedKeys(src.conf) {
			if d, msg := parseDrive(k, src.conf[k]); isDriveKey(k) && msg == "" && d.kind == "volume" &&
				d.p.m["media"] != "cdrom" && !strings.HasPrefix(path.Base(d.vol), "base-") {
				return nil, err500("Linked clone feature is not supported for drive '%s'", k)
			}
		}
	}
	shared, e := c.cloneAccess(src, a.storage)
	if e != nil {
		return nil, e
	}
	if a.target != "" && !shared {
		return nil, err500("can't clone VM to node '%s' (VM uses local storage)", a.target)
	}
	// the clone's NICs need SDN.Use on their bridges, as a create's do
	if e := c.checkBridges(src.conf, nil); e != nil {
		return nil, e
	}
	exists := func() string {
		if t.vms[a.newid] != nil {
			return fmt.Sprintf("unable to create VM %d: config file already exists", a.newid)
		}
		return ""
	}
	if msg := exists(); msg != "" {
		return nil, err500("%s", msg)
	}
	nv := &vm{vmid: a.newid, node: src.node, conf: map[string]string{"lock": "clone"}, status: "stopped",
		created: time.Now(), createdBy: c.who.String()}
	tk := t.newTask(src.node, "qmclone", strconv.Itoa(src.vmid), c.who)
	begin := func() string {
		if msg := exists(); msg != "" {
			return msg
		}
		t.vms[a.newid] = nv
		return ""
	}
	t.spawnWith(tk, a.newid, t.lockWait(1*time.Second), begin, func() string {
		if t.vms[a.newid] != nv {
			return fmt.Sprintf("clone failed: VM %d is gone", a.newid)
		}
		if t.vms[src.vmid] != src {
			delete(t.vms, a.newid)
			return fmt.Sprintf("clone failed: Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", src.node, src.vmid)
		}
		if msg := t.copyVM(src, nv, a, tk); msg != "" {
			delete(t.vms, a.newid)
			return "clone failed: " + msg
		}
		return ""
	})
	return tk.upid, nil
}

// cloneStorage: the target storage must exist, be enabled here, and be
// shared when the clone moves to another node.
func (t *Twin) cloneStorage(a *cloneArgs, here string) *apiError {
	if a.storage == "" {
		return nil
	}
	s := t.stores[a.storage]
	if s == nil {
		return err500("storage '%s' does not exist", a.storage)
	}
	if s.Disabled || !t.storageOnNode(s, here) {
		return err500("storage '%s' is not available on node '%s'", a.storage, here)
	}
	if a.target != "" {
		if !t.storageOnNode(s, a.target) {
			return err500("storage '%s' is not available on node '%s'", a.storage, a.target)
		}
		if !s.Shared {
			return err500("can't clone to non-shared storage '%s'", a.storage)
		}
	}
	return nil
}

// cloneAccess is check_storage_access_clone: Datastore.AllocateSpace where
// each disk lands; it reports whether every volume is on shared storage.
func (c *call) cloneAccess(src *vm, storage string) (bool, *apiError) {
	t := c.t
	shared := true
	for _, k := range sortedKeys(src.conf) {
		if !isDriveKey(k) {
			continue
		}
		d, msg := parseDrive(k, src.conf[k])
		if msg != "" || d.kind == "none" {
			continue
		}
		if d.kind == "cdrom" || d.kind == "path" {
			if e := t.checkAll(c.who, "/", "Sys.Console"); e != nil {
				return false, e
			}
			continue
		}
		if s := t.stores[d.st]; s == nil || !s.Shared {
			shared = false
		}
		if d.p.m["media"] == "cdrom" {
			continue
		}
		sid := d.st
		if storage != "" {
			sid = storage
		}
		if e := t.checkAll(c.who, "/storage/"+sid, "Datastore.AllocateSpace"); e != nil {
			return false, e
		}
	}
	return shared, nil
}

// skipOnClone are the keys a clone never copies.
var skipOnClone = map[string]bool{"snapshots": true, "parent": true, "snaptime": true, "vmstate": true,
	"snapstate": true, "lock": true, "template": true, "vmgenid": true}

// copyVM is the worker: the config with fresh identities, the disks copied
// (full) or based on the source's (linked); on failure nothing is left.
func (t *Twin) copyVM(src, nv *vm, a *cloneArgs, tk *task) string {
	conf := map[string]string{}
	var made []*volume
	fail := func(msg string) string {
		for _, vol := range made {
			t.delVolume(src.node, vol.storage, vol.name)
		}
		return msg
	}
	keys := sortedKeys(src.conf)
	sort.SliceStable(keys, func(i, j int) bool { return busOrder(keys[i]) < busOrder(keys[j]) })
	for _, k := range keys {
		val := src.conf[k]
		switch {
		case skipOnClone[k] || strings.HasPrefix(k, "unused"):
			continue
		case strings.HasPrefix(k, "net"):
			val = freshMAC(k, val)
		case k == "smbios1":
			val = freshSMBIOS(val)
		case isDriveKey(k):
			d, msg := parseDrive(k, val)
			if msg != "" {
				return fail(fmt.Sprintf("unable to parse drive options for '%s'", k))
			}
			// ISOs stay shared; a cloud-init drive is the VM's own, copied
			if d.kind != "volume" || (d.p.m["media"] == "cdrom" && !strings.HasSuffix(d.vol, "-cloudinit")) {
				break
			}
			vol, msg := t.cloneDisk(src, nv, d, a, tk)
			if msg != "" {
				return fail(msg)
			}
			made = append(made, vol)
			d.p.m["file"] = vol.volid()
			if vol.content == "images" && d.p.m["media"] != "cdrom" {
				d.p.set("size", formatSize(vol.size))
			}
			val = d.p.print("file")
		}
		conf[k] = val
	}
	if a.name != "" {
		conf["name"] = a.name
	} else {
		conf["name"] = "Copy-of-VM-" + vmName(src)
	}
	if a.desc != "" {
		conf["description"] = a.desc
	}
	if _, ok := src.conf["vmgenid"]; ok {
		conf["vmgenid"] = newUUID()
	}
	if a.target != "" {
		tk.logf("moving VM %d to node '%s'", nv.vmid, a.target)
		for _, vol := range made {
			if s := t.stores[vol.storage]; s != nil && !s.Shared {
				return fail(fmt.Sprintf("volume '%s' is not on shared storage", vol.volid()))
			}
		}
		nv.node = a.target
	}
	nv.conf = conf
	return ""
}

// cloneDisk copies (full) or links one disk of src for nv.
func (t *Twin) cloneDisk(src, nv *vm, d *drive, a *cloneArgs, tk *task) (*volume, string) {
	from := t.volume(src.node, d.st, d.vol)
	if from == nil {
		return nil, fmt.Sprintf("volume '%s:%s' does not exist", d.st, d.vol)
	}
	st := d.st
	if a.full && a.storage != "" {
		st = a.storage
	}
	s := t.stores[st]
	if s == nil || !hasContent(s, "images") {
		return nil, fmt.Sprintf("storage '%s' does not support vm images", st)
	}
	if t.storageUsed(src.node, st)+from.size > t.storageTotal(s) {
		return nil, fmt.Sprintf("lvcreate 'pve/vm-%d-disk-%d' error:   Volume group \"pve\" has insufficient free space", nv.vmid, t.nextDiskNum(nv, st))
	}
	// resolve_dst_disk_format: the one asked for, else the source's,
	// where the target storage can hold it (block storage: raw only)
	format := a.format
	if format == "" {
		format = from.format
	}
	if !fileBased(s.Type) {
		format = "raw"
	}
	base := fmt.Sprintf("vm-%d-disk-%d", nv.vmid, t.nextDiskNum(nv, st))
	cloudinit := strings.HasSuffix(strings.TrimSuffix(d.vol, path.Ext(d.vol)), "-cloudinit")
	if cloudinit {
		base = fmt.Sprintf("vm-%d-cloudinit", nv.vmid)
	}
	name := base
	if fileBased(s.Type) {
		name = fmt.Sprintf("%d/%s.%s", nv.vmid, base, format)
	}
	// a cloud-init drive is always copied, never linked
	if a.full || cloudinit {
		tk.logf("create full clone of drive %s (%s)", d.key, from.volid())
	} else {
		// a linked clone's volume names its base
		name = d.vol + "/" + name
		tk.logf("create linked clone of drive %s (%s)", d.key, from.volid())
	}
	vol := &volume{storage: st, name: name, content: "images", format: format, size: from.size, vmid: nv.vmid, ctime: time.Now().Unix()}
	t.putVolume(src.node, vol)
	return vol, ""
}

// freshMAC gives netN a new random MAC under PVE's prefix.
func freshMAC(k, val string) string {
	p, _ := parseNet(k, val)
	for _, m := range netModels {
		if _, ok := p.m[m]; ok {
			p.m[m] = fmt.Sprintf("BC:24:11:%02X:%02X:%02X", randU32()&0xff, randU32()&0xff, randU32()&0xff)
			return p.print("", m)
		}
	}
	return val
}

// freshSMBIOS keeps smbios1's other fields and draws a new uuid.
func freshSMBIOS(val string) string {
	p := parseProps(val, "")
	p.set("uuid", newUUID())
	return p.print("", "uuid")
}
