package proxmox

import (
	"fmt"
	"regexp"
	"strings"

	"castellan/twin/twinkit"
)

// Config seeds the Proxmox twin (--proxmox-config FILE, or the body of POST
// /_twin/pve/reset). Unknown keys are refused so a typo never silently does
// nothing. See ../testdata/proxmox.json for a sample.
type Config struct {
	// Version is what GET /version answers. Default 9.1.2 / 9.1.
	Version *VersionConfig `json:"version,omitempty"`
	// Cluster is the cluster name in GET /cluster/status. Default "twin".
	Cluster string `json:"cluster,omitempty"`
	// LocalNode is the node the client is connected to: uploads run there
	// (their UPID names it), and calls for another node that is offline get
	// 595. Default: the first node.
	LocalNode string       `json:"localNode,omitempty"`
	Nodes     []NodeConfig `json:"nodes"`
	// Storages; a storage without "nodes" exists on every node (local
	// storages then hold separate contents per node unless "shared").
	Storages []StorageConfig `json:"storages"`
	// Roles adds custom roles (name -> privileges) to the built-in ones
	// (Administrator, NoAccess, PVEAuditor, PVEVMAdmin, PVEVMUser,
	// PVEDatastoreUser, PVEDatastoreAdmin, PVESDNUser).
	Roles map[string][]string `json:"roles,omitempty"`
	Users []UserConfig        `json:"users"`
	// VMs that exist before the run (e.g. a foreign VM on a VMID castellan
	// wants, or owned VMs tagged castellan-<cluster>).
	VMs []VMConfig `json:"vms,omitempty"`
	// Catalog is the fake internet for download-url: no network is used.
	Catalog []CatalogEntry `json:"catalog,omitempty"`
	// TaskMs is how long every task runs (default 200); TaskMsByType
	// overrides it per task type (qmcreate, qmstart, qmstop, qmshutdown,
	// qmdestroy, qmconfig, resize, imgcopy, download, imgdel).
	TaskMs       *int           `json:"taskMs,omitempty"`
	TaskMsByType map[string]int `json:"taskMsByType,omitempty"`
	// LockWaitMs replaces PVE's config-lock wait timeouts (10 s for config,
	// start, stop, destroy; 5 s for create) when set.
	LockWaitMs *int `json:"lockWaitMs,omitempty"`
	// AuthFailDelayMs is the delay of every 401 (PVE: 3000, the default).
	AuthFailDelayMs *int `json:"authFailDelayMs,omitempty"`
	// DetailedAuthErrors: 401 reasons name the cause ("No ticket", "no such
	// token 'x' for user 'y'", "invalid token value!") as PVE 8 did; off,
	// every 401 says "Authentication failed!" as current PVE does.
	DetailedAuthErrors bool `json:"detailedAuthErrors,omitempty"`
	// LegacyErrors: error bodies are {"data":null} only (pve-http-server
	// before 5.2.0): the message is only in the reason phrase.
	LegacyErrors bool `json:"legacyErrors,omitempty"`
	// RRDDelayMs: for this long after creation a VM shows status "unknown"
	// and no name in /cluster/resources (pvestatd pushes every ~10 s).
	// Default 0.
	RRDDelayMs int `json:"rrdDelayMs,omitempty"`
	// NextID is the datacenter next-id range [lower, upper). Default 100..1000000.
	NextID *NextIDConfig `json:"nextId,omitempty"`
	// MaxUploadBytes caps an upload body (default 256 MiB).
	MaxUploadBytes int64 `json:"maxUploadBytes,omitempty"`
}

// VersionConfig is GET /version.
type VersionConfig struct {
	Version string `json:"version"`
	Release string `json:"release"`
	RepoID  string `json:"repoid"`
}

// NextIDConfig is the next-id range.
type NextIDConfig struct {
	Lower int `json:"lower"`
	Upper int `json:"upper"`
}

// NodeConfig is one cluster node.
type NodeConfig struct {
	Name string `json:"name"`
	// Online: default true. Calls for an offline node (other than the local
	// one) get 595 "No route to host".
	Online  *bool    `json:"online,omitempty"`
	IP      string   `json:"ip,omitempty"`
	Bridges []string `json:"bridges"`
	MaxCPU  int      `json:"maxcpu,omitempty"`
	MaxMem  int64    `json:"maxmem,omitempty"`
}

// StorageConfig is one storage (storage.cfg entry).
type StorageConfig struct {
	ID string `json:"id"`
	// Type: dir, lvmthin, lvm, nfs, cifs, zfspool, rbd, cephfs. File-based
	// types (dir, nfs, cifs, cephfs) can hold iso/vztmpl/import/snippets.
	Type    string   `json:"type"`
	Content []string `json:"content"`
	Nodes   []string `json:"nodes,omitempty"`
	Shared  bool     `json:"shared,omitempty"`
	// Path of a file-based storage (default /var/lib/vz for "local",
	// /mnt/pve/<id> otherwise); VG name for LVM (default "pve").
	Path       string `json:"path,omitempty"`
	TotalBytes int64  `json:"totalBytes,omitempty"`
	Disabled   bool   `json:"disabled,omitempty"`
	// Files already on the storage (on each node it exists on).
	Files []FileConfig `json:"files,omitempty"`
}

// FileConfig is a file planted on a storage: Text, or Base64, or Size
// zero bytes.
type FileConfig struct {
	Name    string `json:"name"`
	Content string `json:"content"` // iso, vztmpl, import, snippets
	Text    string `json:"text,omitempty"`
	Base64  string `json:"base64,omitempty"`
	Size    int64  `json:"size,omitempty"`
}

// UserConfig is a PVE user with its ACLs and API tokens.
type UserConfig struct {
	ID      string        `json:"id"` // user@realm
	Enabled *bool         `json:"enabled,omitempty"`
	ACLs    []ACLConfig   `json:"acls,omitempty"`
	Tokens  []TokenConfig `json:"tokens,omitempty"`
}

// TokenConfig is one API token of a user.
type TokenConfig struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
	// Privsep: default true (as PVE creates tokens): the token's rights are
	// the intersection of the user's ACLs and its own.
	Privsep *bool `json:"privsep,omitempty"`
	// Expire is a Unix time; 0 never.
	Expire int64       `json:"expire,omitempty"`
	ACLs   []ACLConfig `json:"acls,omitempty"`
}

// ACLConfig grants Role on Path (propagating to sub-paths unless
// propagate is false).
type ACLConfig struct {
	Path      string `json:"path"`
	Role      string `json:"role"`
	Propagate *bool  `json:"propagate,omitempty"`
}

// VMConfig is a pre-existing VM: Config holds the config keys as PVE
// stores them ("scsi0": "local-lvm:vm-900-disk-0,size=8G", "tags": "x;y").
type VMConfig struct {
	VMID   int               `json:"vmid"`
	Node   string            `json:"node"`
	Status string            `json:"status,omitempty"` // running or stopped (default)
	Config map[string]string `json:"config"`
}

// CatalogEntry is one URL download-url can fetch: Text, Base64 or Size
// zero bytes; Status != 0 makes the download fail with that HTTP status.
type CatalogEntry struct {
	URL    string `json:"url"`
	Text   string `json:"text,omitempty"`
	Base64 string `json:"base64,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Status int    `json:"status,omitempty"`
}

// The default config's token, so scripts can use it.
const (
	DefaultTokenID     = "castellan@pve!castellan"
	DefaultTokenSecret = "7b5f1656-dbe1-4d05-ad0e-d854676096ac"
)

func bptr(b bool) *bool { return &b }

// DefaultConfig: nodes pve1 and pve2 (vmbr0), local (dir: iso, vztmpl,
// import, snippets, backup) and local-lvm (lvmthin: images, rootdir) on
// each, and castellan's token (privsep) with the role "Castellan" on /vms,
// /storage, /sdn/zones/localnetwork and Sys.AccessNetwork on /nodes.
func DefaultConfig() *Config {
	return &Config{
		Nodes: []NodeConfig{
			{Name: "pve1", IP: "192.0.2.11", Bridges: []string{"vmbr0"}},
			{Name: "pve2", IP: "192.0.2.12", Bridges: []string{"vmbr0"}},
		},
		Storages: []StorageConfig{
			{ID: "local", Type: "dir", Content: []string{"iso", "vztmpl", "import", "snippets", "backup"}},
			{ID: "local-lvm", Type: "lvmthin", Content: []string{"images", "rootdir"}},
		},
		Roles: map[string][]string{
			"Castellan": castellanPrivs,
			"NetAccess": {"Sys.AccessNetwork", "Sys.Audit"},
		},
		Users: []UserConfig{{
			ID:   "castellan@pve",
			ACLs: []ACLConfig{{Path: "/", Role: "Administrator"}},
			Tokens: []TokenConfig{{
				Name: "castellan", Secret: DefaultTokenSecret,
				ACLs: []ACLConfig{
					{Path: "/vms", Role: "Castellan"},
					{Path: "/storage", Role: "Castellan"},
					{Path: "/sdn/zones/localnetwork", Role: "PVESDNUser"},
					{Path: "/nodes", Role: "NetAccess"},
				},
			}},
		}},
	}
}

var castellanPrivs = []string{
	"VM.Allocate", "VM.Audit", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU", "VM.Config.Cloudinit",
	"VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options",
	"VM.PowerMgmt", "VM.GuestAgent.Audit",
	"Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
}

// ParseConfig reads a JSON config, refusing unknown keys.
func ParseConfig(data []byte) (*Config, error) {
	return twinkit.ParseConfig[Config](data, "proxmox config")
}

// LoadConfig reads a JSON config file.
func LoadConfig(path string) (*Config, error) { return twinkit.LoadConfig(path, ParseConfig) }

var (
	reNodeName  = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$`)
	reStorageID = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9\-_.]*[a-zA-Z0-9]$`)
	reUserID    = regexp.MustCompile(`^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]+$`)
	reTokenName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.\-_]+$`)
)

var storageTypes = map[string]bool{"dir": true, "nfs": true, "cifs": true, "cephfs": true, "lvmthin": true, "lvm": true, "zfspool": true, "rbd": true}

func fileBased(typ string) bool {
	return typ == "dir" || typ == "nfs" || typ == "cifs" || typ == "cephfs"
}

// check validates c (beyond JSON shape).
func (c *Config) check() error {
	if len(c.Nodes) == 0 {
		return fmt.Errorf("no nodes")
	}
	nodes := map[string]bool{}
	for _, n := range c.Nodes {
		if !reNodeName.MatchString(n.Name) || nodes[n.Name] {
			return fmt.Errorf("bad or duplicate node name %q", n.Name)
		}
		nodes[n.Name] = true
	}
	if c.LocalNode != "" && !nodes[c.LocalNode] {
		return fmt.Errorf("localNode %q is not a node", c.LocalNode)
	}
	st := map[string]bool{}
	for _, s := range c.Storages {
		if !reStorageID.MatchString(s.ID) || st[s.ID] {
			return fmt.Errorf("bad or duplicate storage id %q", s.ID)
		}
		st[s.ID] = true
		if !storageTypes[s.Type] {
			return fmt.Errorf("storage %s: unknown type %q", s.ID, s.Type)
		}
		for _, ct := range s.Content {
			switch ct {
			case "images", "rootdir":
			case "iso", "vztmpl", "import", "snippets", "backup":
				if !fileBased(s.Type) {
					return fmt.Errorf("storage %s: type %s cannot hold %s", s.ID, s.Type, ct)
				}
			default:
				return fmt.Errorf("storage %s: unknown content type %q", s.ID, ct)
			}
		}
		for _, n := range s.Nodes {
			if !nodes[n] {
				return fmt.Errorf("storage %s: unknown node %q", s.ID, n)
			}
		}
	}
	roles := map[string]bool{}
	for r := range builtinRoles {
		roles[r] = true
	}
	for r, privs := range c.Roles {
		roles[r] = true
		for _, p := range privs {
			if !validPriv[p] {
				return fmt.Errorf("role %s: invalid privilege '%s'", r, p)
			}
		}
	}
	checkACLs := func(who string, acls []ACLConfig) error {
		for _, a := range acls {
			if !roles[a.Role] {
				return fmt.Errorf("%s: unknown role %q", who, a.Role)
			}
			if !strings.HasPrefix(a.Path, "/") {
				return fmt.Errorf("%s: ACL path %q must start with /", who, a.Path)
			}
		}
		return nil
	}
	users := map[string]bool{}
	for _, u := range c.Users {
		if !reUserID.MatchString(u.ID) || users[u.ID] {
			return fmt.Errorf("bad or duplicate user id %q", u.ID)
		}
		users[u.ID] = true
		if err := checkACLs(u.ID, u.ACLs); err != nil {
			return err
		}
		for _, tk := range u.Tokens {
			if !reTokenName.MatchString(tk.Name) || tk.Secret == "" {
				return fmt.Errorf("user %s: bad token %q", u.ID, tk.Name)
			}
			if err := checkACLs(u.ID+"!"+tk.Name, tk.ACLs); err != nil {
				return err
			}
		}
	}
	vms := map[int]bool{}
	for _, v := range c.VMs {
		if v.VMID < 100 || v.VMID > 999999999 || vms[v.VMID] || !nodes[v.Node] {
			return fmt.Errorf("vm %d: bad or duplicate vmid, or unknown node %q", v.VMID, v.Node)
		}
		if v.Status != "" && v.Status != "running" && v.Status != "stopped" {
			return fmt.Errorf("vm %d: status must be running or stopped", v.VMID)
		}
		vms[v.VMID] = true
	}
	if c.NextID != nil && (c.NextID.Lower < 100 || c.NextID.Upper <= c.NextID.Lower) {
		return fmt.Errorf("bad nextId range")
	}
	return nil
}
