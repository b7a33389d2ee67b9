package proxmox

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// volume is one volume on a storage.
type volume struct {
	storage string
	name    string // volname: iso/x.iso, vm-100-disk-0, import/x.qcow2
	content string // iso, images, import, vztmpl, snippets
	format  string
	size    int64
	vmid    int
	ctime   int64
	data    []byte // file contents (iso, import, ...)
}

func (v *volume) volid() string { return v.storage + ":" + v.name }

// vm is one QEMU guest.
type vm struct {
	vmid      int
	node      string
	conf      map[string]string
	status    string // running, stopped
	created   time.Time
	started   time.Time
	starts    int
	cidata    *Cidata
	booted    []string // ISO volids attached at the last start
	pid       int
	createdBy string
}

// reset replaces all state with c's; t.mu must be held (or t unshared).
func (t *Twin) reset(c *Config) error {
	if err := c.check(); err != nil {
		return fmt.Errorf("proxmox config: %w", err)
	}
	t.gen++
	t.cfg = c
	t.nodes, t.nodeBy = nil, map[string]*node{}
	for _, nc := range c.Nodes {
		n := &node{name: nc.Name, online: nc.Online == nil || *nc.Online, ip: nc.IP, bridges: map[string]bool{},
			maxcpu: nc.MaxCPU, maxmem: nc.MaxMem, pstart: randU32()%0x10000000 + 0x1000000, start: time.Now().Add(-72 * time.Hour)}
		if n.maxcpu == 0 {
			n.maxcpu = 16
		}
		if n.maxmem == 0 {
			n.maxmem = 64 << 30
		}
		for _, b := range nc.Bridges {
			n.bridges[b] = true
		}
		t.nodes = append(t.nodes, n)
		t.nodeBy[n.name] = n
	}
	t.stores = map[string]*StorageConfig{}
	t.vols = map[string]map[string]*volume{}
	for i := range c.Storages {
		s := &c.Storages[i]
		t.stores[s.ID] = s
		for _, n := range t.nodes {
			if !t.storageOnNode(s, n.name) {
				continue
			}
			for _, f := range s.Files {
				data, err := fileBytes(f.Text, f.Base64, f.Size)
				if err != nil {
					return fmt.Errorf("storage %s file %s: %w", s.ID, f.Name, err)
				}
				dir := f.Content
				t.putVolume(n.name, &volume{storage: s.ID, name: dir + "/" + f.Name, content: f.Content,
					format: fileFormat(f.Content, f.Name), size: int64(len(data)), ctime: time.Now().Unix(), data: data})
			}
		}
	}
	t.vms = map[int]*vm{}
	for _, vc := range c.VMs {
		v := &vm{vmid: vc.VMID, node: vc.Node, conf: map[string]string{}, status: "stopped", created: time.Now().Add(-24 * time.Hour)}
		for k, val := range vc.Config {
			v.conf[k] = val
		}
		if vc.Status == "running" {
			v.status, v.started, v.pid = "running", time.Now().Add(-time.Hour), int(randU32()%4000000+1000)
		}
		if _, ok := v.conf["smbios1"]; !ok {
			v.conf["smbios1"] = "uuid=" + newUUID()
		}
		t.vms[v.vmid] = v
		// Register the disks it names.
		for k, val := range v.conf {
			if !isDriveKey(k) {
				continue
			}
			file := strings.SplitN(val, ",", 2)[0]
			st, name, ok := strings.Cut(file, ":")
			cloudinit := strings.HasSuffix(name, "-cloudinit")
			if !ok || (strings.Contains(val, "media=cdrom") && !cloudinit) || t.stores[st] == nil {
				continue
			}
			if t.volume(v.node, st, name) == nil {
				t.putVolume(v.node, &volume{storage: st, name: name, content: "images", format: "raw",
					size: parseSizeOpt(val), vmid: v.vmid, ctime: time.Now().Unix()})
				if cloudinit {
					t.volume(v.node, st, name).size = 4 << 20
				}
			}
		}
	}
	t.tasks, t.torder = map[string]*task{}, nil
	t.flocks = map[int]*task{}
	t.faults = faultState{}
	t.reqs.Clear()
	return nil
}

func fileBytes(text, b64 string, size int64) ([]byte, error) {
	switch {
	case b64 != "":
		return base64.StdEncoding.DecodeString(b64)
	case text != "":
		return []byte(text), nil
	default:
		return make([]byte, size), nil
	}
}

func fileFormat(content, name string) string {
	switch content {
	case "iso":
		return "iso"
	case "vztmpl":
		return "tgz"
	case "snippets":
		return "snippet"
	case "import":
		if i := strings.LastIndex(name, "."); i >= 0 {
			return name[i+1:]
		}
	}
	return "raw"
}

func (t *Twin) storageOnNode(s *StorageConfig, nodeName string) bool {
	if len(s.Nodes) == 0 {
		return true
	}
	for _, n := range s.Nodes {
		if n == nodeName {
			return true
		}
	}
	return false
}

func (t *Twin) storeKey(nodeName, storage string) string {
	if s := t.stores[storage]; s != nil && s.Shared {
		return storage
	}
	return nodeName + "/" + storage
}

func (t *Twin) volume(nodeName, storage, name string) *volume {
	return t.vols[t.storeKey(nodeName, storage)][name]
}

func (t *Twin) putVolume(nodeName string, v *volume) {
	k := t.storeKey(nodeName, v.storage)
	if t.vols[k] == nil {
		t.vols[k] = map[string]*volume{}
	}
	t.vols[k][v.name] = v
}

func (t *Twin) delVolume(nodeName, storage, name string) {
	delete(t.vols[t.storeKey(nodeName, storage)], name)
}

func (t *Twin) volumes(nodeName, storage string) []*volume {
	m := t.vols[t.storeKey(nodeName, storage)]
	out := make([]*volume, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

func (t *Twin) storageUsed(nodeName, storage string) int64 {
	var n int64
	for _, v := range t.volumes(nodeName, storage) {
		n += v.size
	}
	return n
}

func (t *Twin) storageTotal(s *StorageConfig) int64 {
	if s.TotalBytes > 0 {
		return s.TotalBytes
	}
	return 500 << 30
}

func (t *Twin) storagePath(s *StorageConfig) string {
	if s.Path != "" {
		return s.Path
	}
	if fileBased(s.Type) {
		if s.ID == "local" {
			return "/var/lib/vz"
		}
		return "/mnt/pve/" + s.ID
	}
	return "pve"
}

func (t *Twin) volumePath(s *StorageConfig, name string) string {
	p := t.storagePath(s)
	if !fileBased(s.Type) {
		return "/dev/" + p + "/" + name
	}
	dir, file, _ := strings.Cut(name, "/")
	switch dir {
	case "iso":
		return p + "/template/iso/" + file
	case "vztmpl":
		return p + "/template/cache/" + file
	case "snippets":
		return p + "/snippets/" + file
	case "import":
		return p + "/import/" + file
	}
	if m := reVMDisk.FindStringSubmatch(name); m != nil {
		return p + "/images/" + m[1] + "/" + name
	}
	return p + "/" + name
}

var reVMDisk = regexp.MustCompile(`^(?:base|vm)-(\d+)-(?:disk-\d+|cloudinit)(?:\.(?:raw|qcow2|vmdk))?$`)

func hasContent(s *StorageConfig, ct string) bool {
	for _, c := range s.Content {
		if c == ct {
			return true
		}
	}
	return false
}

func randU32() uint32 {
	var b [4]byte
	rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// parseSizeOpt reads size=NNG from a drive string.
func parseSizeOpt(val string) int64 {
	for _, kv := range strings.Split(val, ",") {
		if s, ok := strings.CutPrefix(kv, "size="); ok {
			if n, ok := parseSize(s); ok {
				return n
			}
		}
	}
	return 0
}

// parseSize reads 32G, 512M, 4096 (bytes), 1.5T.
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	if s == "" {
		return 0, false
	}
	switch s[len(s)-1] {
	case 'K', 'k':
		mult = 1 << 10
	case 'M', 'm':
		mult = 1 << 20
	case 'G', 'g':
		mult = 1 << 30
	case 'T', 't':
		mult = 1 << 40
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return int64(f * float64(mult)), true
}

func formatSize(n int64) string {
	switch {
	case n%(1<<40) == 0 && n > 0:
		return fmt.Sprintf("%dT", n>>40)
	case n%(1<<30) == 0 && n > 0:
		return fmt.Sprintf("%dG", n>>30)
	case n%(1<<20) == 0 && n > 0:
		return fmt.Sprintf("%dM", n>>20)
	case n%(1<<10) == 0 && n > 0:
		return fmt.Sprintf("%dK", n>>10)
	}
	return strconv.FormatInt(n, 10)
}

// vmsSorted returns the VMs by vmid.
func (t *Twin) vmsSorted() []*vm {
	out := make([]*vm, 0, len(t.vms))
	for _, v := range t.vms {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].vmid < out[j].vmid })
	return out
}
