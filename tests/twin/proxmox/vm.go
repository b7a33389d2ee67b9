package proxmox

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// allow refuses parameters other than keys (400, as the JSON schema does).
func (c *call) allow(keys ...string) *apiError {
	ok := map[string]bool{}
	for _, k := range keys {
		ok[k] = true
	}
	errs := map[string]string{}
	for k := range c.params {
		if !ok[k] {
			errs[k] = notInSchema
		}
	}
	if len(errs) > 0 {
		return paramErr(errs)
	}
	return nil
}

// checkVMID is the schema's pve-vmid check of s (given: present at all);
// the message is "" when it passes.
func checkVMID(s string, given bool) (int, string) {
	n, err := strconv.Atoi(s)
	switch {
	case !given:
		return 0, "property is missing and it is not optional"
	case err != nil:
		return 0, "type check ('integer') failed - got '" + s + "'"
	case n < 100:
		return 0, "value must have a minimum value of 100"
	case n > 999999999:
		return 0, "value may have a maximum value of 999999999"
	}
	return n, ""
}

func (c *call) pathVMID() (int, *apiError) {
	n, msg := checkVMID(c.vars["vmid"], true)
	if msg != "" {
		return 0, paramErr1("vmid", msg)
	}
	return n, nil
}

func confMissing(nodeName string, vmid int) *apiError {
	return err500("Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", nodeName, vmid)
}

// getVM loads the VM's config on the path's node (PVE's load_config: a VM
// on another node "does not exist").
func (c *call) getVM() (*vm, *apiError) {
	vmid, e := c.pathVMID()
	if e != nil {
		return nil, e
	}
	v := c.t.vms[vmid]
	if v == nil || v.node != c.vars["node"] {
		return nil, confMissing(c.vars["node"], vmid)
	}
	return v, nil
}

// ---- discovery ----

func (c *call) version() (any, *apiError) {
	v := c.t.cfg.Version
	if v == nil {
		v = &VersionConfig{Version: "9.1.2", Release: "9.1", RepoID: "c0e7a1c4"}
	}
	return map[string]any{"version": v.Version, "release": v.Release, "repoid": v.RepoID}, nil
}

func (t *Twin) nodeEntry(n *node) map[string]any {
	e := map[string]any{"node": n.name, "id": "node/" + n.name, "type": "node", "level": ""}
	if n.online {
		var mem int64
		for _, v := range t.vms {
			if v.node == n.name && v.status == "running" {
				mem += vmMaxMem(v)
			}
		}
		e["status"] = "online"
		e["maxcpu"], e["maxmem"], e["mem"], e["cpu"] = n.maxcpu, n.maxmem, mem+(2<<30), 0.03
		e["uptime"] = int64(time.Since(n.start).Seconds())
		e["disk"], e["maxdisk"] = int64(8<<30), int64(100<<30)
		e["ssl_fingerprint"] = "5C:1B:24:0E:6A:4F:35:9D:AE:0C:61:7F:21:B9:E4:3A:77:88:10:C2:9F:1D:3B:55:6E:A0:4C:D2:19:8B:F7:01"
	} else {
		e["status"] = "offline"
	}
	return e
}

func (c *call) listNodes() (any, *apiError) {
	if e := c.allow(); e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, n := range c.t.nodes {
		out = append(out, c.t.nodeEntry(n))
	}
	return out, nil
}

func (c *call) nodeIndex() (any, *apiError) {
	out := []map[string]string{}
	for _, n := range []string{"qemu", "storage", "status", "tasks", "version"} {
		out = append(out, map[string]string{"name": n})
	}
	return out, nil
}

func (c *call) nodeStatus() (any, *apiError) {
	n := c.t.nodeBy[c.vars["node"]]
	if e := c.t.checkAll(c.who, "/nodes/"+n.name, "Sys.Audit"); e != nil {
		return nil, e
	}
	e := c.t.nodeEntry(n)
	v := c.t.cfg.Version
	ver := "9.1.2"
	if v != nil {
		ver = v.Version
	}
	return map[string]any{
		"uptime": e["uptime"], "cpu": 0.03, "pveversion": "pve-manager/" + ver + "/c0e7a1c4",
		"kversion":       "Linux 6.14.11-4-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.11-4",
		"memory":         map[string]any{"total": n.maxmem, "used": e["mem"], "free": n.maxmem - e["mem"].(int64)},
		"cpuinfo":        map[string]any{"cpus": n.maxcpu, "sockets": 1, "cores": n.maxcpu, "model": "twin vCPU"},
		"loadavg":        []string{"0.10", "0.12", "0.09"},
		"rootfs":         map[string]any{"total": int64(100 << 30), "used": int64(8 << 30), "avail": int64(92 << 30)},
		"boot-info":      map[string]any{"mode": "efi", "secureboot": 0},
		"current-kernel": map[string]any{"sysname": "Linux", "release": "6.14.11-4-pve", "machine": "x86_64"},
	}, nil
}

func (c *call) clusterStatus() (any, *apiError) {
	if e := c.t.checkAll(c.who, "/", "Sys.Audit"); e != nil {
		return nil, e
	}
	name := c.t.cfg.Cluster
	if name == "" {
		name = "twin"
	}
	out := []map[string]any{{"type": "cluster", "id": "cluster", "name": name, "nodes": len(c.t.nodes), "quorate": 1, "version": len(c.t.nodes)}}
	for i, n := range c.t.nodes {
		on := 0
		if n.online {
			on = 1
		}
		local := 0
		if n.name == c.t.localNode() {
			local = 1
		}
		out = append(out, map[string]any{"type": "node", "id": "node/" + n.name, "name": n.name, "nodeid": i + 1,
			"ip": n.ip, "online": on, "local": local, "level": ""})
	}
	return out, nil
}

func vmMaxMem(v *vm) int64 {
	m := v.conf["memory"]
	if strings.Contains(m, "=") {
		m, _ = parseProps(m, "current").get("current")
	}
	n, err := strconv.ParseInt(m, 10, 64)
	if err != nil || n == 0 {
		n = 512
	}
	return n << 20
}

func vmMaxDisk(t *Twin, v *vm) int64 {
	boot := bootDisk(v.conf)
	if boot == "" {
		return 0
	}
	return parseSizeOpt(v.conf[boot])
}

func vmCPUs(v *vm) int {
	if n, err := strconv.Atoi(v.conf["vcpus"]); err == nil && n > 0 {
		return n
	}
	cores, sockets := 1, 1
	if n, err := strconv.Atoi(v.conf["cores"]); err == nil && n > 0 {
		cores = n
	}
	if n, err := strconv.Atoi(v.conf["sockets"]); err == nil && n > 0 {
		sockets = n
	}
	return cores * sockets
}

// bootDisk is the first non-cdrom disk in the boot order, else in key order.
func bootDisk(conf map[string]string) string {
	if b := conf["boot"]; b != "" {
		if o, ok := parseProps(b, "legacy").get("order"); ok {
			for _, d := range strings.Split(o, ";") {
				if isDriveKey(d) && conf[d] != "" && !strings.Contains(conf[d], "media=cdrom") {
					return d
				}
			}
		}
	}
	for _, k := range sortedKeys(conf) {
		if isDriveKey(k) && k != "efidisk0" && k != "tpmstate0" && !strings.Contains(conf[k], "media=cdrom") {
			return k
		}
	}
	return ""
}

func (c *call) clusterResources() (any, *apiError) {
	if e := c.allow("type"); e != nil {
		return nil, e
	}
	typ := c.params["type"]
	if typ != "" && typ != "vm" && typ != "storage" && typ != "node" && typ != "sdn" {
		return nil, paramErr1("type", "value '"+typ+"' does not have a value in the enumeration 'vm, storage, node, sdn'")
	}
	t := c.t
	out := []map[string]any{}
	if typ == "" || typ == "vm" {
		for _, v := range t.vmsSorted() {
			if !t.has(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Audit") {
				continue
			}
			e := map[string]any{"id": fmt.Sprintf("qemu/%d", v.vmid), "type": "qemu", "vmid": v.vmid, "node": v.node,
				"maxcpu": vmCPUs(v), "maxmem": vmMaxMem(v), "maxdisk": vmMaxDisk(t, v), "cpu": 0, "mem": 0, "disk": 0,
				"uptime": 0, "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0}
			if time.Since(v.created) < time.Duration(t.cfg.RRDDelayMs)*time.Millisecond {
				e["status"] = "unknown"
			} else {
				e["status"], e["name"] = v.status, vmName(v)
				tmpl := 0
				if b, _ := parseBool(v.conf["template"]); b {
					tmpl = 1
				}
				e["template"] = tmpl
				if v.status == "running" {
					e["uptime"], e["mem"], e["cpu"] = int64(time.Since(v.started).Seconds()), vmMaxMem(v)/2, 0.02
				}
			}
			if tg := v.conf["tags"]; tg != "" {
				e["tags"] = tg
			}
			if l := v.conf["lock"]; l != "" {
				e["lock"] = l
			}
			out = append(out, e)
		}
	}
	if typ == "" || typ == "node" {
		for _, n := range t.nodes {
			if !t.has(c.who, "/nodes/"+n.name, "Sys.Audit") {
				continue
			}
			e := t.nodeEntry(n)
			e["cgroup-mode"] = 2
			delete(e, "ssl_fingerprint")
			out = append(out, e)
		}
	}
	if typ == "" || typ == "storage" {
		for _, n := range t.nodes {
			for _, sc := range t.cfg.Storages {
				s := t.stores[sc.ID]
				if !t.storageOnNode(s, n.name) || !t.has(c.who, "/storage/"+s.ID, "Datastore.Audit") {
					continue
				}
				shared := 0
				if s.Shared {
					shared = 1
				}
				e := map[string]any{"id": "storage/" + n.name + "/" + s.ID, "type": "storage", "node": n.name, "storage": s.ID,
					"plugintype": s.Type, "content": strings.Join(s.Content, ","), "shared": shared,
					"disk": t.storageUsed(n.name, s.ID), "maxdisk": t.storageTotal(s), "status": "available"}
				if !n.online {
					e["status"] = "unknown"
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func vmName(v *vm) string {
	if n := v.conf["name"]; n != "" {
		return n
	}
	return fmt.Sprintf("VM %d", v.vmid)
}

func (c *call) nextID() (any, *apiError) {
	if e := c.allow("vmid"); e != nil {
		return nil, e
	}
	if s, ok := c.params["vmid"]; ok {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, paramErr1("vmid", "type check ('integer') failed - got '"+s+"'")
		}
		if n < 100 || n > 999999999 {
			return nil, paramErr1("vmid", "value must have a minimum value of 100")
		}
		if c.t.vms[n] != nil {
			return nil, paramErr1("vmid", fmt.Sprintf("VM %d already exists", n))
		}
		return strconv.Itoa(n), nil
	}
	lo, hi := 100, 1000000
	if r := c.t.cfg.NextID; r != nil {
		lo, hi = r.Lower, r.Upper
	}
	for i := lo; i < hi; i++ {
		if c.t.vms[i] == nil {
			return strconv.Itoa(i), nil
		}
	}
	return nil, err500("unable to get any free VMID in range [%d, %d]", lo, hi-1)
}

func (c *call) listVMs() (any, *apiError) {
	if e := c.allow("full"); e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, v := range c.t.vmsSorted() {
		if v.node != c.vars["node"] || !c.t.has(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Audit") {
			continue
		}
		out = append(out, c.t.statusOf(v))
	}
	return out, nil
}

func (c *call) vmIndex() (any, *apiError) {
	if _, e := c.getVM(); e != nil {
		return nil, e
	}
	out := []map[string]string{}
	for _, s := range []string{"config", "pending", "status", "resize"} {
		out = append(out, map[string]string{"subdir": s})
	}
	return out, nil
}

// ---- config validation ----

// confPerm is the privilege group a config key needs ($check_vm_modify_config_perm).
func confPerm(k, v string) []string {
	kind, _ := confKeyKind(k)
	switch kind {
	case "drive":
		if k == "efidisk0" || k == "tpmstate0" {
			return []string{"VM.Config.Disk"}
		}
		if strings.Contains(v, ":cloudinit") {
			return []string{"VM.Config.CDROM", "VM.Config.Cloudinit"}
		}
		if strings.Contains(v, "media=cdrom") {
			return []string{"VM.Config.CDROM"}
		}
		return []string{"VM.Config.Disk"}
	case "net":
		return []string{"VM.Config.Network"}
	case "ipconfig":
		return []string{"VM.Config.Cloudinit|VM.Config.Network"}
	case "unused":
		return []string{"VM.Config.Disk"}
	case "serial", "usb", "parallel":
		return []string{"VM.Config.HWType"}
	case "hostpci":
		return []string{"VM.Config.HWType"}
	case "numa":
		return []string{"VM.Config.CPU"}
	}
	switch k {
	case "cores", "sockets", "cpu", "numa", "vcpus", "cpulimit", "cpuunits", "affinity":
		return []string{"VM.Config.CPU"}
	case "memory", "balloon", "shares":
		return []string{"VM.Config.Memory"}
	case "machine", "scsihw", "smbios1", "vga", "tablet", "rng0", "watchdog", "audio0", "keyboard", "acpi", "kvm":
		return []string{"VM.Config.HWType"}
	case "ciuser", "cipassword", "citype", "cicustom", "nameserver", "searchdomain", "sshkeys", "ciupgrade":
		return []string{"VM.Config.Cloudinit|VM.Config.Network"}
	case "boot", "bootdisk":
		return []string{"VM.Config.Disk"}
	}
	return []string{"VM.Config.Options"}
}

// drive is a parsed drive property string.
type drive struct {
	key  string
	p    *props
	file string
	kind string // new, iso, none, cdrom, cloudinit, volume, path
	st   string // storage
	size int64  // new disk size
	vol  string // volname
}

var (
	reNewDisk = regexp.MustCompile(`^(?:([a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]):)?(\d+(?:\.\d+)?)$`)
	reVolID   = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]):(.+)$`)
	driveOpts = map[string]string{"media": "enum:cdrom,disk", "size": "size", "iothread": "bool", "discard": "enum:ignore,on", "ssd": "bool",
		"cache": "enum:directsync,none,unsafe,writeback,writethrough", "format": "enum:cloop,qcow,qcow2,qed,raw,vmdk", "serial": "",
		"aio": "enum:native,threads,io_uring", "backup": "bool", "replicate": "bool", "import-from": "", "snapshot": "bool", "ro": "bool",
		"shared": "bool", "wwn": "", "model": "", "detect_zeroes": "bool", "efitype": "enum:2m,4m", "pre-enrolled-keys": "bool",
		"version": "enum:v1.2,v2.0", "ms-cert": "", "werror": "", "rerror": "", "iops": "", "mbps": ""}
)

// parseDrive checks a drive string's syntax (the schema part).
func parseDrive(key, v string) (*drive, string) {
	p := parseProps(v, "file")
	d := &drive{key: key, p: p}
	for _, k := range p.keys {
		if k == "file" {
			continue
		}
		spec, ok := driveOpts[k]
		if !ok {
			return nil, "invalid format - format error\n" + key + "." + k + ": " + notInSchema
		}
		val := p.m[k]
		switch {
		case spec == "bool":
			if _, ok := parseBool(val); !ok {
				return nil, fmt.Sprintf("invalid format - format error\n%s.%s: type check ('boolean') failed - got '%s'", key, k, val)
			}
		case strings.HasPrefix(spec, "enum:"):
			list := strings.Split(spec[5:], ",")
			found := false
			for _, x := range list {
				found = found || x == val
			}
			if !found {
				return nil, fmt.Sprintf("invalid format - format error\n%s.%s: value '%s' does not have a value in the enumeration '%s'", key, k, val, strings.Join(list, ", "))
			}
		case spec == "size":
			if _, ok := parseSize(val); !ok {
				return nil, "invalid format - format error\n" + key + ".size: value does not match the regex pattern"
			}
		}
	}
	d.file = p.m["file"]
	switch {
	case d.file == "":
		return nil, "invalid format - format error\n" + key + ".file: property is missing and it is not optional"
	case d.file == "none":
		d.kind = "none"
	case d.file == "cdrom":
		d.kind = "cdrom"
	case strings.HasPrefix(d.file, "/"):
		d.kind = "path"
	case reNewDisk.MatchString(d.file):
		m := reNewDisk.FindStringSubmatch(d.file)
		d.kind, d.st = "new", m[1]
		f, _ := strconv.ParseFloat(m[2], 64)
		d.size = int64(f * (1 << 30))
	case reVolID.MatchString(d.file):
		m := reVolID.FindStringSubmatch(d.file)
		d.st, d.vol = m[1], m[2]
		switch {
		case d.vol == "cloudinit":
			d.kind = "cloudinit"
		case strings.HasPrefix(d.vol, "iso/"):
			d.kind = "iso"
		default:
			d.kind = "volume"
		}
	default:
		return nil, "invalid format - format error\n" + key + ".file: invalid format - unable to parse volume ID '" + d.file + "'"
	}
	if d.kind == "iso" && p.m["media"] != "cdrom" {
		return nil, "explicit media=cdrom is required for iso images"
	}
	if _, imp := p.m["import-from"]; imp && !(d.kind == "new" && d.size == 0) {
		return nil, "'import-from' requires special syntax - use <storage ID>:0,import-from=<source>"
	}
	if d.kind == "new" && d.size == 0 {
		if _, imp := p.m["import-from"]; !imp && key != "efidisk0" && key != "tpmstate0" {
			return nil, "invalid format - format error\n" + key + ".file: size 0 requires import-from"
		}
	}
	return d, ""
}

var netModels = []string{"e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82551", "i82557b", "i82559er", "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139", "virtio", "vmxnet3"}

// parseNet checks netN and returns the parsed form (model key kept).
func parseNet(key, v string) (*props, string) {
	p := parseProps(v, "")
	model, mac := "", ""
	for _, k := range p.keys {
		val := p.m[k]
		isModel := false
		for _, m := range netModels {
			isModel = isModel || m == k
		}
		switch {
		case isModel:
			if model != "" {
				return nil, "invalid format - format error\n" + key + ": duplicate model"
			}
			model, mac = k, val
		case k == "model":
			model = val
		case k == "macaddr":
			mac = val
		case k == "bridge":
			if !regexp.MustCompile(`^[-_.\w\d]+$`).MatchString(val) {
				return nil, "invalid format - format error\n" + key + ".bridge: value does not match the regex pattern"
			}
		case k == "tag":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > 4094 {
				return nil, "invalid format - format error\n" + key + ".tag: value must have a minimum value of 1"
			}
		case k == "firewall" || k == "link_down":
			if _, ok := parseBool(val); !ok {
				return nil, fmt.Sprintf("invalid format - format error\n%s.%s: type check ('boolean') failed - got '%s'", key, k, val)
			}
		case k == "mtu" || k == "queues" || k == "rate" || k == "trunks":
		default:
			return nil, "invalid format - format error\n" + key + "." + k + ": " + notInSchema
		}
	}
	if model == "" {
		return nil, "invalid format - format error\n" + key + ".model: property is missing and it is not optional"
	}
	if mac != "" {
		b, err := strconv.ParseUint(mac[:min(2, len(mac))], 16, 8)
		if !reMAC.MatchString(mac) || err != nil || b&1 == 1 {
			return nil, "invalid format - format error\n" + key + ".macaddr: invalid format - value does not look like a valid unicast MAC address"
		}
	}
	return p, ""
}

func checkIPConfig(key, v string) string {
	p := parseProps(v, "")
	for _, k := range p.keys {
		switch k {
		case "ip", "gw", "ip6", "gw6":
		default:
			return "invalid format - format error\n" + key + "." + k + ": " + notInSchema
		}
	}
	if _, ok := p.m["gw"]; ok && (p.m["ip"] == "" || p.m["ip"] == "dhcp") {
		return "gateway specified without specifying an IP address"
	}
	return ""
}

// checkConf validates the config keys of c.params (create or update) and
// the permissions they need. special lists the non-config parameters the
// call accepts.
func (c *call) checkConf(vmid int, special map[string]bool, errs map[string]string) (map[string]*drive, *apiError) {
	drives, e := c.validateConf(special, errs)
	if e != nil {
		return nil, e
	}
	return drives, c.confPerms(vmid, special, drives)
}

// validateConf is the schema check of the config keys (all errors at once).
func (c *call) validateConf(special map[string]bool, errs map[string]string) (map[string]*drive, *apiError) {
	drives := map[string]*drive{}
	if c.params["cdrom"] != "" {
		c.params["ide2"] = c.params["cdrom"]
		delete(c.params, "cdrom")
	}
	for k, v := range c.params {
		if c.multi[k] {
			errs[k] = "type check ('string') failed - got ARRAY"
			continue
		}
		if special[k] {
			continue
		}
		kind, ok := confKeyKind(k)
		if !ok {
			errs[k] = notInSchema
			continue
		}
		var msg string
		switch kind {
		case "":
			msg = checkValue(k, v, confSchema[k])
		case "drive":
			var d *drive
			d, msg = parseDrive(k, v)
			if d != nil {
				drives[k] = d
			}
		case "net":
			_, msg = parseNet(k, v)
		case "ipconfig":
			msg = checkIPConfig(k, v)
		case "serial":
			if v != "socket" && !strings.HasPrefix(v, "/dev/") {
				msg = "invalid format - value does not match the regex pattern"
			}
		}
		if msg != "" {
			errs[k] = msg
		}
	}
	if len(errs) > 0 {
		return nil, paramErr(errs)
	}
	return drives, nil
}

// confPerms checks what the config keys need: root-only keys, privileges
// per key, storage access, SDN.Use on bridges.
func (c *call) confPerms(vmid int, special map[string]bool, drives map[string]*drive) *apiError {
	t := c.t
	vpath := fmt.Sprintf("/vms/%d", vmid)
	// root-only keys and values
	for _, k := range sortedKeys(c.params) {
		v := c.params[k]
		if special[k] {
			continue
		}
		if rootOnly[k] || (strings.HasPrefix(k, "parallel")) || (strings.HasPrefix(k, "serial") && v != "socket") ||
			(strings.HasPrefix(k, "hostpci") && !strings.Contains(v, "mapping=")) || (strings.HasPrefix(k, "usb") && !strings.Contains(v, "mapping=") && !strings.HasPrefix(v, "spice")) {
			return err500("only root can set '%s' config", k)
		}
	}
	// per-key privileges
	for _, k := range sortedKeys(c.params) {
		if special[k] {
			continue
		}
		for _, pr := range confPerm(k, c.params[k]) {
			if e := t.checkAny(c.who, vpath, strings.Split(pr, "|")...); e != nil {
				return e
			}
		}
		if k == "startup" {
			if e := t.checkAll(c.who, "/", "Sys.Modify"); e != nil {
				return e
			}
		}
	}
	// storage access
	defStore := c.params["storage"]
	for _, k := range sortedKeys(drives) {
		d := drives[k]
		switch d.kind {
		case "path":
			return err500("Only root can pass arbitrary filesystem paths.")
		case "cdrom":
			if e := t.checkAll(c.who, "/", "Sys.Console"); e != nil {
				return e
			}
		case "new", "cloudinit":
			if d.st == "" {
				d.st = defStore
			}
			if d.st == "" {
				return err500("no storage ID specified (and no default storage)")
			}
			if e := t.checkAll(c.who, "/storage/"+d.st, "Datastore.AllocateSpace"); e != nil {
				return e
			}
			s := t.stores[d.st]
			if s == nil {
				return err500("storage '%s' does not exist", d.st)
			}
			if !hasContent(s, "images") {
				return paramErr1("storage", "storage '"+d.st+"' does not support vm images")
			}
			if src, ok := d.p.get("import-from"); ok {
				if strings.HasPrefix(src, "/") {
					return err500("Only root can pass arbitrary filesystem paths.")
				}
				m := reVolID.FindStringSubmatch(src)
				if m == nil || t.stores[m[1]] == nil {
					return err500("storage '%s' does not exist", strings.SplitN(src, ":", 2)[0])
				}
				if e := t.checkAny(c.who, "/storage/"+m[1], "Datastore.AllocateSpace", "Datastore.Audit"); e != nil {
					return e
				}
				if strings.HasPrefix(m[2], "iso/") {
					return err500("%s has wrong type 'iso' - needs to be 'images' or 'import'", src)
				}
			}
		case "iso", "volume":
			if t.stores[d.st] == nil {
				return err500("storage '%s' does not exist", d.st)
			}
			if e := t.checkAny(c.who, "/storage/"+d.st, "Datastore.AllocateSpace", "Datastore.Audit"); e != nil {
				return e
			}
		}
	}
	return c.checkBridges(c.params, special)
}

// checkBridges: every NIC in conf (keys in skip aside) needs SDN.Use on
// its bridge, or on the bridge's VLAN when it has a tag.
func (c *call) checkBridges(conf map[string]string, skip map[string]bool) *apiError {
	for _, k := range sortedKeys(conf) {
		if kind, _ := confKeyKind(k); kind != "net" || skip[k] {
			continue
		}
		p, _ := parseNet(k, conf[k])
		if br, ok := p.get("bridge"); ok {
			path := "/sdn/zones/localnetwork/" + br
			if tag, ok := p.get("tag"); ok {
				path += "/" + tag
			}
			if e := c.t.checkAll(c.who, path, "SDN.Use"); e != nil {
				return e
			}
		}
	}
	return nil
}

// applyConf writes params into v's config on node nodeName, allocating
// new disks (worker side); it returns the error text.
func (t *Twin) applyConf(v *vm, params map[string]string, drives map[string]*drive, tk *task) string {
	var created []*volume
	fail := func(msg string) string {
		for _, vol := range created {
			t.delVolume(v.node, vol.storage, vol.name)
		}
		return msg
	}
	newConf := map[string]string{}
	for _, k := range sortedKeys(params) {
		val := params[k]
		kind, _ := confKeyKind(k)
		switch kind {
		case "drive":
			d := drives[k]
			s := t.stores[d.st]
			switch d.kind {
			case "new":
				if !t.storageOnNode(s, v.node) || s.Disabled {
					return fail(fmt.Sprintf("storage '%s' is not available on node '%s'", d.st, v.node))
				}
				size := d.size
				if src, ok := d.p.get("import-from"); ok {
					m := reVolID.FindStringSubmatch(src)
					sv := t.volume(v.node, m[1], m[2])
					if sv == nil {
						return fail(fmt.Sprintf("volume '%s' does not exist", src))
					}
					size = sv.size
					d.p.del("import-from")
					tk.logf("importing disk '%s' to VM %d ...", src, v.vmid)
				}
				if k == "efidisk0" {
					size = 4 << 20
				} else if k == "tpmstate0" {
					size = 4 << 20
				}
				if t.storageUsed(v.node, d.st)+size > t.storageTotal(s) {
					return fail(fmt.Sprintf("lvcreate 'pve/vm-%d-disk-%d' error:   Volume group \"pve\" has insufficient free space", v.vmid, t.nextDiskNum(v, d.st)))
				}
				n := t.nextDiskNum(v, d.st)
				name := fmt.Sprintf("vm-%d-disk-%d", v.vmid, n)
				format := "raw"
				if fileBased(s.Type) {
					format = "qcow2"
					if f, ok := d.p.get("format"); ok {
						format = f
					}
					name = fmt.Sprintf("%d/vm-%d-disk-%d.%s", v.vmid, v.vmid, n, format)
				}
				vol := &volume{storage: d.st, name: name, content: "images", format: format, size: size, vmid: v.vmid, ctime: time.Now().Unix()}
				t.putVolume(v.node, vol)
				created = append(created, vol)
				tk.logf("  Logical volume \"vm-%d-disk-%d\" created.", v.vmid, n)
				d.p.m["file"] = d.st + ":" + name
				d.p.set("size", formatSize(size))
				d.p.del("format")
				val = d.p.print("file")
			case "cloudinit":
				name := fmt.Sprintf("vm-%d-cloudinit", v.vmid)
				vol := &volume{storage: d.st, name: name, content: "images", format: "raw", size: 4 << 20, vmid: v.vmid, ctime: time.Now().Unix()}
				t.putVolume(v.node, vol)
				created = append(created, vol)
				d.p.m["file"] = d.st + ":" + name
				d.p.set("media", "cdrom")
				val = d.p.print("file")
			default:
				val = d.p.print("file")
			}
			// a replaced disk of this VM becomes unusedN
			if old := v.conf[k]; old != "" && !strings.Contains(old, "media=cdrom") && old != val {
				of := strings.SplitN(old, ",", 2)[0]
				if of != strings.SplitN(val, ",", 2)[0] {
					newConf[t.nextUnused(v, newConf)] = of
				}
			}
		case "net":
			p, _ := parseNet(k, val)
			model := ""
			for _, m := range netModels {
				if _, ok := p.m[m]; ok {
					model = m
				}
			}
			if model == "" {
				model = p.m["model"]
				p.del("model")
				if mac, ok := p.m["macaddr"]; ok {
					p.set(model, mac)
					p.del("macaddr")
				} else {
					p.set(model, "")
				}
			}
			if p.m[model] == "" {
				p.m[model] = fmt.Sprintf("BC:24:11:%02X:%02X:%02X", randU32()&0xff, randU32()&0xff, randU32()&0xff)
			}
			p.m[model] = strings.ToUpper(p.m[model])
			rest := &props{m: map[string]string{}}
			for _, kk := range p.keys {
				if kk != model {
					rest.set(kk, p.m[kk])
				}
			}
			val = model + "=" + p.m[model]
			if r := rest.print(""); r != "" {
				val += "," + r
			}
		case "":
			if d := confSchema[k]; d.kind == kBool {
				b, _ := parseBool(val)
				val = "0"
				if b {
					val = "1"
				}
			}
			if k == "tags" {
				seen := map[string]bool{}
				var out []string
				for _, tg := range splitTags(val) {
					if !seen[strings.ToLower(tg)] {
						seen[strings.ToLower(tg)] = true
						out = append(out, tg)
					}
				}
				val = strings.Join(out, ";")
			}
		}
		newConf[k] = val
	}
	for k, val := range newConf {
		v.conf[k] = val
	}
	return ""
}

func (t *Twin) nextDiskNum(v *vm, st string) int {
	for n := 0; ; n++ {
		free := true
		for _, vol := range t.volumes(v.node, st) {
			b := path.Base(vol.name)
			if vol.vmid == v.vmid && strings.HasSuffix(strings.TrimSuffix(b, path.Ext(b)), fmt.Sprintf("-disk-%d", n)) {
				free = false
			}
		}
		if free {
			return n
		}
	}
}

func (t *Twin) nextUnused(v *vm, pending map[string]string) string {
	for n := 0; ; n++ {
		k := fmt.Sprintf("unused%d", n)
		if v.conf[k] == "" && pending[k] == "" {
			return k
		}
	}
}

// ---- create ----

var createSpecial = map[string]bool{"vmid": true, "start": true, "pool": true, "storage": true, "unique": true, "force": true,
	"archive": true, "live-restore": true, "ha-managed": true, "import-working-storage": true, "bwlimit": true}

func (c *call) createVM() (any, *apiError) {
	t := c.t
	nodeName := c.vars["node"]
	errs := map[string]string{}
	s, ok := c.params["vmid"]
	vmid, msg := checkVMID(s, ok)
	if msg != "" {
		errs["vmid"] = msg
	}
	for _, k := range []string{"start", "unique", "force", "live-restore", "ha-managed"} {
		if v, ok := c.params[k]; ok {
			if _, ok := parseBool(v); !ok {
				errs[k] = "type check ('boolean') failed - got '" + v + "'"
			}
		}
	}
	drives, e := c.validateConf(createSpecial, errs)
	if e != nil {
		return nil, e
	}
	if _, ok := c.params["archive"]; ok {
		return nil, err500("restore is not supported by the twin")
	}
	pool := c.params["pool"]
	if pool != "" {
		if e := t.checkAll(c.who, "/pool/"+pool, "VM.Allocate"); e != nil {
			return nil, e
		}
	} else if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", vmid), "VM.Allocate"); e != nil {
		return nil, e
	}
	if e := c.confPerms(vmid, createSpecial, drives); e != nil {
		return nil, e
	}
	start, _ := parseBool(c.params["start"])
	if start {
		if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", vmid), "VM.PowerMgmt"); e != nil {
			return nil, e
		}
	}
	if ha, _ := parseBool(c.params["ha-managed"]); ha {
		if e := t.checkAll(c.who, "/", "Sys.Console"); e != nil {
			return nil, e
		}
	}
	if old := t.vms[vmid]; old != nil {
		return nil, err500("unable to create VM %d - VM %d already exists on node '%s'", vmid, vmid, old.node)
	}
	// create_and_lock_config: the placeholder config with lock: create
	v := &vm{vmid: vmid, node: nodeName, conf: map[string]string{"lock": "create"}, status: "stopped", created: time.Now(), createdBy: c.who.String()}
	t.vms[vmid] = v
	params := map[string]string{}
	for k, val := range c.params {
		if !createSpecial[k] {
			params[k] = val
		}
	}
	tk := t.newTask(nodeName, "qmcreate", strconv.Itoa(vmid), c.who)
	t.spawn(tk, vmid, t.lockWait(5*time.Second), func() string {
		if t.vms[vmid] != v {
			return fmt.Sprintf("unable to create VM %d - VM is gone", vmid)
		}
		if msg := t.applyConf(v, params, drives, tk); msg != "" {
			delete(t.vms, vmid)
			return fmt.Sprintf("unable to create VM %d - %s", vmid, msg)
		}
		if _, ok := v.conf["smbios1"]; !ok {
			v.conf["smbios1"] = "uuid=" + newUUID()
		}
		v.conf["vmgenid"] = newUUID()
		v.conf["meta"] = fmt.Sprintf("creation-qemu=9.2.0,ctime=%d", time.Now().Unix())
		if _, ok := v.conf["boot"]; !ok {
			v.conf["boot"] = defaultBoot(v.conf)
		}
		delete(v.conf, "lock")
		if start {
			// create's start=1 only warns on failure (the task stays OK)
			if msg := t.doStart(v, tk); msg != "" {
				tk.logf("%s", msg)
			}
		}
		return ""
	})
	return tk.upid, nil
}

func defaultBoot(conf map[string]string) string {
	var disk, cd, net string
	keys := sortedKeys(conf)
	sort.SliceStable(keys, func(i, j int) bool { return busOrder(keys[i]) < busOrder(keys[j]) })
	for _, k := range keys {
		v := conf[k]
		switch {
		case isDriveKey(k) && k != "efidisk0" && k != "tpmstate0":
			if strings.Contains(v, "media=cdrom") {
				if cd == "" && !strings.Contains(v, "cloudinit") {
					cd = k
				}
			} else if disk == "" {
				disk = k
			}
		case strings.HasPrefix(k, "net") && net == "":
			net = k
		}
	}
	var order []string
	for _, x := range []string{disk, cd, net} {
		if x != "" {
			order = append(order, x)
		}
	}
	if len(order) == 0 {
		return " "
	}
	return "order=" + strings.Join(order, ";")
}

func busOrder(k string) int {
	for i, p := range []string{"ide", "sata", "scsi", "virtio", "net"} {
		if strings.HasPrefix(k, p) {
			n, _ := strconv.Atoi(strings.TrimPrefix(k, p))
			return i*1000 + n
		}
	}
	return 9999
}

// ---- config read/update ----

func configDigest(conf map[string]string) string {
	h := sha1.New()
	for _, k := range sortedKeys(conf) {
		fmt.Fprintf(h, "%s: %s\n", k, conf[k])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (c *call) getConfig() (any, *apiError) {
	if e := c.allow("current", "snapshot"); e != nil {
		return nil, e
	}
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if e := c.t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Audit"); e != nil {
		return nil, e
	}
	out := map[string]any{"digest": configDigest(v.conf)}
	for k, val := range v.conf {
		if intKeys[k] {
			if n, err := strconv.ParseInt(val, 10, 64); err == nil {
				out[k] = n
				continue
			}
		}
		if k == "cipassword" {
			val = "**********"
		}
		out[k] = val
	}
	return out, nil
}

func (c *call) getPending() (any, *apiError) {
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if e := c.t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Audit"); e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, k := range sortedKeys(v.conf) {
		out = append(out, map[string]any{"key": k, "value": v.conf[k]})
	}
	return out, nil
}

var allConfigPrivs = []string{"VM.Config.Disk", "VM.Config.CDROM", "VM.Config.CPU", "VM.Config.Memory", "VM.Config.Network",
	"VM.Config.HWType", "VM.Config.Options", "VM.Config.Cloudinit"}

func (c *call) updateConfig(async bool) (any, *apiError) {
	t := c.t
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	special := map[string]bool{"delete": true, "revert": true, "digest": true, "force": true, "skiplock": true}
	if async {
		special["background_delay"] = true
	}
	if _, ok := c.params["skiplock"]; ok {
		return nil, paramErr1("skiplock", "Only root may use this option.")
	}
	if e := t.checkAny(c.who, fmt.Sprintf("/vms/%d", v.vmid), allConfigPrivs...); e != nil {
		return nil, e
	}
	drives, e := c.checkConf(v.vmid, special, map[string]string{})
	if e != nil {
		return nil, e
	}
	var deletes []string
	for _, k := range strings.FieldsFunc(c.params["delete"], func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		if _, ok := confKeyKind(k); !ok {
			return nil, paramErr1("delete", "invalid format - invalid configuration ID '"+k+"'")
		}
		for _, pr := range confPerm(k, v.conf[k]) {
			if e := t.checkAny(c.who, fmt.Sprintf("/vms/%d", v.vmid), strings.Split(pr, "|")...); e != nil {
				return nil, e
			}
		}
		deletes = append(deletes, k)
	}
	params := map[string]string{}
	for k, val := range c.params {
		if !special[k] {
			params[k] = val
		}
	}
	if len(params) == 0 && len(deletes) == 0 && c.params["revert"] == "" {
		return nil, err500("no options specified")
	}
	digest := c.params["digest"]
	apply := func(tk *task) string {
		if t.vms[v.vmid] != v {
			return fmt.Sprintf("Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", v.node, v.vmid)
		}
		if l := v.conf["lock"]; l != "" {
			return "VM is locked (" + l + ")"
		}
		if digest != "" && digest != configDigest(v.conf) {
			return "detected modified configuration - file changed by other user? Try again."
		}
		for _, k := range deletes {
			delete(v.conf, k)
		}
		return t.applyConf(v, params, drives, tk)
	}
	if !async {
		holder := &task{}
		if !t.acquire(v.vmid, holder, t.lockWait(10*time.Second)) {
			return nil, err500("%s", lockErr(v.vmid))
		}
		defer t.release(v.vmid, holder)
		if msg := apply(holder); msg != "" {
			return nil, err500("%s", msg)
		}
		return nil, nil
	}
	tk := t.newTask(v.node, "qmconfig", strconv.Itoa(v.vmid), c.who)
	t.spawn(tk, v.vmid, t.lockWait(10*time.Second), func() string { return apply(tk) })
	return tk.upid, nil
}

func (c *call) resize() (any, *apiError) {
	t := c.t
	if e := c.allow("disk", "size", "digest", "skiplock"); e != nil {
		return nil, e
	}
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if _, ok := c.params["skiplock"]; ok {
		return nil, paramErr1("skiplock", "Only root may use this option.")
	}
	disk, size := c.params["disk"], c.params["size"]
	errs := map[string]string{}
	if disk == "" {
		errs["disk"] = "property is missing and it is not optional"
	} else if !isDriveKey(disk) {
		errs["disk"] = "value '" + disk + "' does not have a value in the enumeration"
	}
	m := regexp.MustCompile(`^(\+)?(\d+(?:\.\d+)?[KMGT]?)$`).FindStringSubmatch(size)
	if size == "" {
		errs["size"] = "property is missing and it is not optional"
	} else if m == nil {
		errs["size"] = "value does not match the regex pattern"
	}
	if len(errs) > 0 {
		return nil, paramErr(errs)
	}
	if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Config.Disk"); e != nil {
		return nil, e
	}
	tk := t.newTask(v.node, "resize", strconv.Itoa(v.vmid), c.who)
	t.spawn(tk, v.vmid, t.lockWait(10*time.Second), func() string {
		val := v.conf[disk]
		if val == "" {
			return "disk '" + disk + "' does not exist"
		}
		if strings.Contains(val, "media=cdrom") {
			return "you can't resize a cdrom"
		}
		cur := parseSizeOpt(val)
		n, _ := parseSize(m[2])
		if m[1] == "+" {
			n += cur
		}
		if n < cur {
			return "shrinking disks is not supported"
		}
		p := parseProps(val, "file")
		p.set("size", formatSize(n))
		v.conf[disk] = p.print("file")
		if st, name, ok := strings.Cut(p.m["file"], ":"); ok {
			if vol := t.volume(v.node, st, name); vol != nil {
				vol.size = n
			}
		}
		tk.logf("  Size of logical volume pve/%s changed from %s to %s.", strings.SplitN(p.m["file"], ":", 2)[len(strings.SplitN(p.m["file"], ":", 2))-1], formatSize(cur), formatSize(n))
		return ""
	})
	return tk.upid, nil
}

// ---- status and power ----

func (t *Twin) statusOf(v *vm) map[string]any {
	out := map[string]any{"vmid": v.vmid, "name": vmName(v), "status": v.status, "qmpstatus": v.status,
		"cpus": vmCPUs(v), "maxmem": vmMaxMem(v), "maxdisk": vmMaxDisk(t, v), "mem": 0, "cpu": 0, "disk": 0,
		"netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0, "uptime": 0, "ha": map[string]any{"managed": 0}}
	if v.status == "running" {
		out["uptime"] = int64(time.Since(v.started).Seconds())
		out["pid"] = v.pid
		out["mem"] = vmMaxMem(v) / 2
		out["running-machine"] = "pc-i440fx-9.2+pve1"
		if strings.HasPrefix(v.conf["machine"], "q35") {
			out["running-machine"] = "pc-q35-9.2+pve1"
		}
		out["running-qemu"] = "9.2.0"
	}
	if tg := v.conf["tags"]; tg != "" {
		out["tags"] = tg
	}
	if l := v.conf["lock"]; l != "" {
		out["lock"] = l
	}
	if a := v.conf["agent"]; a != "" {
		if en, ok := parseProps(a, "enabled").get("enabled"); ok {
			if b, _ := parseBool(en); b {
				out["agent"] = 1
			}
		}
	}
	if b, _ := parseBool(v.conf["template"]); b {
		out["template"] = 1
	}
	if strings.Contains(v.conf["serial0"], "socket") {
		out["serial"] = 1
	}
	return out
}

func (c *call) vmStatus() (any, *apiError) {
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if e := c.t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Audit"); e != nil {
		return nil, e
	}
	return c.t.statusOf(v), nil
}

func (c *call) power(action string) (any, *apiError) {
	t := c.t
	allowed := map[string][]string{
		"start":    {"skiplock", "timeout", "machine", "migratedfrom", "migration_network", "migration_type", "stateuri", "targetstorage", "force-cpu", "keepActive"},
		"stop":     {"skiplock", "timeout", "keepActive", "migratedfrom", "overrule-shutdown"},
		"shutdown": {"skiplock", "timeout", "forceStop", "keepActive"},
		"reboot":   {"timeout"},
	}[action]
	if e := c.allow(allowed...); e != nil {
		return nil, e
	}
	for _, k := range []string{"skiplock", "migratedfrom", "stateuri", "force-cpu", "keepActive", "targetstorage"} {
		if _, ok := c.params[k]; ok {
			return nil, paramErr1(k, "Only root may use this option.")
		}
	}
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.PowerMgmt"); e != nil {
		return nil, e
	}
	typ := map[string]string{"start": "qmstart", "stop": "qmstop", "shutdown": "qmshutdown", "reboot": "qmreboot"}[action]
	tk := t.newTask(v.node, typ, strconv.Itoa(v.vmid), c.who)
	t.spawn(tk, v.vmid, t.lockWait(10*time.Second), func() string {
		if t.vms[v.vmid] != v {
			return fmt.Sprintf("Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", v.node, v.vmid)
		}
		if l := v.conf["lock"]; l != "" {
			return "VM is locked (" + l + ")"
		}
		switch action {
		case "start":
			if v.status == "running" {
				return fmt.Sprintf("VM %d already running", v.vmid)
			}
			return t.doStart(v, tk)
		case "stop", "shutdown":
			if v.status != "running" {
				return fmt.Sprintf("VM %d not running", v.vmid)
			}
			v.status, v.pid = "stopped", 0
		case "reboot":
			if v.status != "running" {
				return fmt.Sprintf("VM %d not running", v.vmid)
			}
			v.status = "stopped"
			return t.doStart(v, tk)
		}
		return ""
	})
	return tk.upid, nil
}

// doStart boots v (the qmstart worker's checks); t.mu held.
func (t *Twin) doStart(v *vm, tk *task) string {
	if msg := t.takeFailStart(v.vmid); msg != "" {
		return msg
	}
	q35 := strings.HasPrefix(v.conf["machine"], "q35") || strings.HasPrefix(v.conf["machine"], "pc-q35")
	var isos []string
	for _, k := range sortedKeys(v.conf) {
		val := v.conf[k]
		if !isDriveKey(k) && !strings.HasPrefix(k, "net") {
			continue
		}
		if strings.HasPrefix(k, "net") {
			p, _ := parseNet(k, val)
			if p == nil {
				continue
			}
			if br, ok := p.get("bridge"); ok && !t.nodeBy[v.node].bridges[br] {
				return fmt.Sprintf("bridge '%s' does not exist", br)
			}
			continue
		}
		if q35 && (k == "ide1" || k == "ide3") {
			tk.logf("kvm: -device ide-cd,bus=ide.%s,unit=1,id=%s: Can't create IDE unit 1, bus supports only 1 units", k[3:], k)
			return "start failed: QEMU exited with code 1"
		}
		file := strings.SplitN(val, ",", 2)[0]
		st, name, ok := strings.Cut(file, ":")
		if !ok {
			continue
		}
		s := t.stores[st]
		if s == nil {
			return fmt.Sprintf("storage '%s' does not exist", st)
		}
		if !t.storageOnNode(s, v.node) {
			return fmt.Sprintf("storage '%s' is not available on node '%s'", st, v.node)
		}
		if t.volume(v.node, st, name) == nil {
			return fmt.Sprintf("volume '%s' does not exist", file)
		}
		if strings.HasPrefix(name, "iso/") {
			isos = append(isos, file)
		}
	}
	if v.conf["bios"] == "ovmf" && v.conf["efidisk0"] == "" {
		tk.logf("WARN: no efidisk configured! Using temporary efivars disk.")
		tk.warnings++
	}
	v.status, v.started, v.starts = "running", time.Now(), v.starts+1
	v.pid = int(randU32()%4000000 + 1000)
	v.booted = isos
	v.cidata = nil
	for _, file := range isos {
		st, name, _ := strings.Cut(file, ":")
		if cd := readCidata(file, t.volume(v.node, st, name).data); cd != nil {
			v.cidata = cd
			if t.opts.OnBoot != nil && cd.UserData != nil {
				go t.opts.OnBoot(v.vmid, *cd.UserData)
			}
			break
		}
	}
	return ""
}

// ---- destroy ----

func (c *call) destroyVM() (any, *apiError) {
	t := c.t
	if e := c.allow("purge", "destroy-unreferenced-disks", "skiplock"); e != nil {
		return nil, e
	}
	if _, ok := c.params["skiplock"]; ok {
		return nil, paramErr1("skiplock", "Only root may use this option.")
	}
	for _, k := range []string{"purge", "destroy-unreferenced-disks"} {
		if val, ok := c.params[k]; ok {
			if _, ok := parseBool(val); !ok {
				return nil, paramErr1(k, "type check ('boolean') failed - got '"+val+"'")
			}
		}
	}
	v, e := c.getVM()
	if e != nil {
		return nil, e
	}
	if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Allocate"); e != nil {
		return nil, e
	}
	if b, _ := parseBool(v.conf["protection"]); b {
		return nil, err500("can't remove VM %d - protection mode enabled", v.vmid)
	}
	if v.status == "running" {
		return nil, err500("VM %d is running - destroy failed", v.vmid)
	}
	unref, _ := parseBool(c.params["destroy-unreferenced-disks"])
	tk := t.newTask(v.node, "qmdestroy", strconv.Itoa(v.vmid), c.who)
	t.spawn(tk, v.vmid, t.lockWait(10*time.Second), func() string {
		if t.vms[v.vmid] != v {
			return fmt.Sprintf("Configuration file 'nodes/%s/qemu-server/%d.conf' does not exist", v.node, v.vmid)
		}
		if l := v.conf["lock"]; l != "" {
			return "VM is locked (" + l + ")"
		}
		if v.status == "running" {
			return fmt.Sprintf("VM %d is running - destroy failed", v.vmid)
		}
		for k, val := range v.conf {
			if !(isDriveKey(k) || strings.HasPrefix(k, "unused")) || (strings.Contains(val, "media=cdrom") && !strings.Contains(val, "cloudinit")) {
				continue
			}
			file := strings.SplitN(val, ",", 2)[0]
			if st, name, ok := strings.Cut(file, ":"); ok {
				if vol := t.volume(v.node, st, name); vol != nil && vol.vmid == v.vmid {
					t.delVolume(v.node, st, name)
					tk.logf("  Logical volume \"%s\" successfully removed.", name)
				}
			}
		}
		if unref {
			for _, s := range t.cfg.Storages {
				if !t.storageOnNode(t.stores[s.ID], v.node) {
					continue
				}
				for _, vol := range t.volumes(v.node, s.ID) {
					if vol.vmid == v.vmid && vol.content == "images" {
						t.delVolume(v.node, s.ID, vol.name)
					}
				}
			}
		}
		delete(t.vms, v.vmid)
		return ""
	})
	return tk.upid, nil
}
