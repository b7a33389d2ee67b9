package proxmox

import (
	"net/url"
	"strings"
	"time"
)

// PVE 9 privileges (VM.Monitor is gone; VM.GuestAgent.* is new).
var allPrivs = []string{
	"Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
	"Group.Allocate", "Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify",
	"Pool.Allocate", "Pool.Audit", "Realm.Allocate", "Realm.AllocateUser",
	"SDN.Allocate", "SDN.Audit", "SDN.Use",
	"Sys.AccessNetwork", "Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify", "Sys.PowerMgmt", "Sys.Syslog",
	"User.Modify",
	"VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU", "VM.Config.Cloudinit",
	"VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options",
	"VM.Console", "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt",
	"VM.GuestAgent.FileWrite", "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.PowerMgmt", "VM.Replicate",
	"VM.Snapshot", "VM.Snapshot.Rollback",
}

var validPriv = func() map[string]bool {
	m := map[string]bool{}
	for _, p := range allPrivs {
		m[p] = true
	}
	return m
}()

var builtinRoles = map[string][]string{
	"Administrator":     allPrivs,
	"NoAccess":          {},
	"PVEAuditor":        {"Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit", "Sys.Audit", "VM.Audit"},
	"PVEVMUser":         {"VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console", "VM.PowerMgmt"},
	"PVEDatastoreUser":  {"Datastore.AllocateSpace", "Datastore.Audit"},
	"PVEDatastoreAdmin": {"Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit"},
	"PVESDNUser":        {"SDN.Audit", "SDN.Use"},
	"PVEVMAdmin": {"VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU",
		"VM.Config.Cloudinit", "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network",
		"VM.Config.Options", "VM.Console", "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt",
		"VM.GuestAgent.FileWrite", "VM.GuestAgent.Unrestricted", "VM.Migrate", "VM.PowerMgmt", "VM.Snapshot",
		"VM.Snapshot.Rollback"},
}

// authID is who a request runs as.
type authID struct {
	user  *UserConfig
	token *TokenConfig // nil: a user (never, the twin has no tickets)
}

// String is the authid: user@realm!token.
func (a *authID) String() string {
	if a.token != nil {
		return a.user.ID + "!" + a.token.Name
	}
	return a.user.ID
}

// authenticate parses the Authorization header as pveproxy does. It returns
// the identity, or the 401 reason (detailed form).
func (t *Twin) authenticate(h string, cookie string) (*authID, string) {
	if strings.Contains(cookie, "PVEAuthCookie=") {
		// A ticket wins over a token; the twin issues no tickets.
		return nil, "invalid PVE ticket"
	}
	if h == "" {
		return nil, "No ticket"
	}
	var v string
	switch {
	case strings.HasPrefix(h, "PVEAPIToken="):
		v = strings.TrimPrefix(h, "PVEAPIToken=")
	case strings.HasPrefix(h, "PVEAPIToken "):
		v = strings.TrimSpace(strings.TrimPrefix(h, "PVEAPIToken "))
	case strings.HasPrefix(h, "PVEAuthCookie="):
		return nil, "invalid PVE ticket"
	default:
		return nil, "No ticket"
	}
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	i := strings.LastIndex(v, "=")
	if i < 0 {
		return nil, "invalid token value!"
	}
	id, secret := v[:i], v[i+1:]
	j := strings.LastIndex(id, "!")
	if j < 0 || !reUserID.MatchString(id[:j]) || !reTokenName.MatchString(id[j+1:]) {
		return nil, "invalid token value!"
	}
	userID, name := id[:j], id[j+1:]
	for ui := range t.cfg.Users {
		u := &t.cfg.Users[ui]
		if u.ID != userID {
			continue
		}
		for ti := range u.Tokens {
			tk := &u.Tokens[ti]
			if tk.Name != name {
				continue
			}
			if tk.Secret != secret {
				return nil, "invalid token value!"
			}
			if tk.Expire != 0 && time.Now().Unix() >= tk.Expire {
				return nil, "token expired"
			}
			if u.Enabled != nil && !*u.Enabled {
				return nil, "user account disabled"
			}
			return &authID{user: u, token: tk}, ""
		}
		return nil, "no such token '" + name + "' for user '" + userID + "'"
	}
	return nil, "no such user ('" + userID + "')"
}

// privsFromACLs computes the privileges acls give on path: walking from "/"
// down, the ACLs at a deeper level replace what was inherited; an ACL with
// propagate=0 counts only on its own path.
func (t *Twin) privsFromACLs(acls []ACLConfig, path string) map[string]bool {
	levels := []string{"/"}
	if path != "/" {
		parts := strings.Split(strings.Trim(path, "/"), "/")
		for i := range parts {
			levels = append(levels, "/"+strings.Join(parts[:i+1], "/"))
		}
	}
	var cur map[string]bool
	for li, lvl := range levels {
		exact := li == len(levels)-1
		var here map[string]bool
		for _, a := range acls {
			p := "/" + strings.Trim(a.Path, "/")
			if p != lvl || (!exact && a.Propagate != nil && !*a.Propagate) {
				continue
			}
			if here == nil {
				here = map[string]bool{}
			}
			for _, pr := range t.rolePrivs(a.Role) {
				here[pr] = true
			}
		}
		if here != nil {
			cur = here
		}
	}
	if cur == nil {
		cur = map[string]bool{}
	}
	return cur
}

func (t *Twin) rolePrivs(role string) []string {
	if p, ok := builtinRoles[role]; ok {
		return p
	}
	return t.cfg.Roles[role]
}

// privs is what a has on path.
func (t *Twin) privs(a *authID, path string) map[string]bool {
	var up map[string]bool
	if a.user.ID == "root@pam" {
		up = map[string]bool{}
		for _, p := range allPrivs {
			up[p] = true
		}
	} else {
		up = t.privsFromACLs(a.user.ACLs, path)
	}
	if a.token == nil || (a.token.Privsep != nil && !*a.token.Privsep) {
		return up
	}
	tp := t.privsFromACLs(a.token.ACLs, path)
	out := map[string]bool{}
	for p := range tp {
		if up[p] {
			out[p] = true
		}
	}
	return out
}

func (t *Twin) has(a *authID, path string, priv string) bool { return t.privs(a, path)[priv] }

// permErr is RPCEnvironment's raise_perm_exc.
func permErr(path string, privs ...string) *apiError {
	return errStatus(403, "Permission check failed ("+path+", "+strings.Join(privs, "|")+")")
}

// checkAll: every priv on path (the first missing one is named).
func (t *Twin) checkAll(a *authID, path string, privs ...string) *apiError {
	have := t.privs(a, path)
	for _, p := range privs {
		if !have[p] {
			return permErr(path, p)
		}
	}
	return nil
}

// checkAny: at least one priv on path.
func (t *Twin) checkAny(a *authID, path string, privs ...string) *apiError {
	have := t.privs(a, path)
	for _, p := range privs {
		if have[p] {
			return nil
		}
	}
	return permErr(path, privs...)
}
