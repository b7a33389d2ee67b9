package proxmox

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func (c *call) storageOf() (*StorageConfig, *apiError) {
	id := c.vars["storage"]
	s := c.t.stores[id]
	if s == nil {
		return nil, err500("storage '%s' does not exist", id)
	}
	if !c.t.storageOnNode(s, c.vars["node"]) {
		return nil, err500("storage '%s' is not available on node '%s'", id, c.vars["node"])
	}
	return s, nil
}

func (t *Twin) storageEntry(nodeName string, s *StorageConfig) map[string]any {
	used, total := t.storageUsed(nodeName, s.ID), t.storageTotal(s)
	en, shared := 1, 0
	if s.Disabled {
		en = 0
	}
	if s.Shared {
		shared = 1
	}
	return map[string]any{"storage": s.ID, "type": s.Type, "content": strings.Join(s.Content, ","), "active": en,
		"enabled": en, "shared": shared, "total": total, "used": used, "avail": total - used,
		"used_fraction": float64(used) / float64(total)}
}

func (c *call) listStorage() (any, *apiError) {
	if e := c.allow("content", "enabled", "format", "storage", "target"); e != nil {
		return nil, e
	}
	out := []map[string]any{}
	for _, sc := range c.t.cfg.Storages {
		s := c.t.stores[sc.ID]
		if !c.t.storageOnNode(s, c.vars["node"]) {
			continue
		}
		if ct := c.params["content"]; ct != "" {
			ok := false
			for _, x := range strings.Split(ct, ",") {
				ok = ok || hasContent(s, x)
			}
			if !ok {
				continue
			}
		}
		if en, _ := parseBool(c.params["enabled"]); en && s.Disabled {
			continue
		}
		if id := c.params["storage"]; id != "" && id != s.ID {
			continue
		}
		if !c.t.has(c.who, "/storage/"+s.ID, "Datastore.Audit") && !c.t.has(c.who, "/storage/"+s.ID, "Datastore.AllocateSpace") {
			continue
		}
		out = append(out, c.t.storageEntry(c.vars["node"], s))
	}
	return out, nil
}

func (c *call) storageStatus() (any, *apiError) {
	s, e := c.storageOf()
	if e != nil {
		return nil, e
	}
	if e := c.t.checkAny(c.who, "/storage/"+s.ID, "Datastore.Audit", "Datastore.AllocateSpace"); e != nil {
		return nil, e
	}
	return c.t.storageEntry(c.vars["node"], s), nil
}

func (c *call) listContent() (any, *apiError) {
	if e := c.allow("content", "vmid"); e != nil {
		return nil, e
	}
	s, e := c.storageOf()
	if e != nil {
		return nil, e
	}
	if e := c.t.checkAny(c.who, "/storage/"+s.ID, "Datastore.Audit", "Datastore.AllocateSpace"); e != nil {
		return nil, e
	}
	ct := c.params["content"]
	if ct != "" && !map[string]bool{"images": true, "rootdir": true, "iso": true, "vztmpl": true, "import": true, "snippets": true, "backup": true}[ct] {
		return nil, paramErr1("content", "invalid format - invalid content type '"+ct+"'")
	}
	out := []map[string]any{}
	for _, v := range c.t.volumes(c.vars["node"], s.ID) {
		if ct != "" && v.content != ct {
			continue
		}
		if vm := c.params["vmid"]; vm != "" && strconv.Itoa(v.vmid) != vm {
			continue
		}
		// VM disks are listed only for VMs the caller may audit
		if v.vmid != 0 && !c.t.has(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Audit") {
			continue
		}
		e := map[string]any{"volid": v.volid(), "format": v.format, "size": v.size, "content": v.content, "ctime": v.ctime}
		if v.vmid != 0 {
			e["vmid"] = v.vmid
			e["used"] = v.size / 4
		}
		out = append(out, e)
	}
	return out, nil
}

// volName turns the path's volume (a volid, or a volname on this storage)
// into the volname.
func (c *call) volName(s *StorageConfig) (string, *apiError) {
	vol := c.vars["volume"]
	if st, name, ok := strings.Cut(vol, ":"); ok {
		if st != s.ID {
			return "", err500("storage '%s' does not exist", st)
		}
		return name, nil
	}
	return vol, nil
}

func (c *call) volumeInfo() (any, *apiError) {
	s, e := c.storageOf()
	if e != nil {
		return nil, e
	}
	name, e := c.volName(s)
	if e != nil {
		return nil, e
	}
	if e := c.t.checkAny(c.who, "/storage/"+s.ID, "Datastore.Audit", "Datastore.AllocateSpace"); e != nil {
		return nil, e
	}
	v := c.t.volume(c.vars["node"], s.ID, name)
	if v == nil {
		return nil, err500("volume '%s:%s' does not exist", s.ID, name)
	}
	return map[string]any{"path": c.t.volumePath(s, name), "size": v.size, "used": v.size, "format": v.format}, nil
}

func (c *call) deleteVolume() (any, *apiError) {
	t := c.t
	if e := c.allow("delay"); e != nil {
		return nil, e
	}
	s, e := c.storageOf()
	if e != nil {
		return nil, e
	}
	name, e := c.volName(s)
	if e != nil {
		return nil, e
	}
	v := t.volume(c.vars["node"], s.ID, name)
	if v != nil && v.vmid != 0 {
		if e := t.checkAll(c.who, fmt.Sprintf("/vms/%d", v.vmid), "VM.Config.Disk"); e != nil {
			return nil, e
		}
	} else if e := t.checkAll(c.who, "/storage/"+s.ID, "Datastore.Allocate"); e != nil {
		return nil, e
	}
	if v == nil {
		return nil, err500("volume '%s:%s' does not exist", s.ID, name)
	}
	nodeName := c.vars["node"]
	// the task id is the storage, prefixed by the owning VM ("100@local-lvm")
	id := s.ID
	if v.vmid != 0 {
		id = fmt.Sprintf("%d@%s", v.vmid, s.ID)
	}
	tk := t.newTask(nodeName, "imgdel", id, c.who)
	t.spawn(tk, 0, 0, func() string {
		if t.volume(nodeName, s.ID, name) == nil {
			return fmt.Sprintf("volume '%s:%s' does not exist", s.ID, name)
		}
		t.delVolume(nodeName, s.ID, name)
		tk.logf("Removed volume '%s:%s'", s.ID, name)
		return ""
	})
	return tk.upid, nil
}

var (
	reUploadFile = regexp.MustCompile(`[^A-Za-z0-9_.\-]`)
	reISOName    = regexp.MustCompile(`(?i)\.(iso|img)$`)
	reImportName = regexp.MustCompile(`^[A-Za-z0-9\-.+=_]+\.(ova|qcow2|raw|vmdk)$`)
	reVztmplName = regexp.MustCompile(`\.tar\.([gx]z|zst|bz2)$`)
)

var checksumAlgos = map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha224": sha256.New224, "sha256": sha256.New,
	"sha384": sha512.New384, "sha512": sha512.New}

// checkUploadParams is the shared schema of upload and download-url.
func checkUploadParams(c *call, s *StorageConfig) (content, filename string, e *apiError) {
	errs := map[string]string{}
	content, filename = c.params["content"], c.params["filename"]
	if content == "" {
		errs["content"] = "property is missing and it is not optional"
	} else if content != "iso" && content != "vztmpl" && content != "import" {
		errs["content"] = "value '" + content + "' does not have a value in the enumeration 'iso, vztmpl, import'"
	}
	if filename == "" {
		errs["filename"] = "property is missing and it is not optional"
	}
	if algo, ok := c.params["checksum-algorithm"]; ok && checksumAlgos[algo] == nil {
		errs["checksum-algorithm"] = "value '" + algo + "' does not have a value in the enumeration 'md5, sha1, sha224, sha256, sha384, sha512'"
	}
	if _, ok := c.params["checksum"]; ok && c.params["checksum-algorithm"] == "" {
		errs["checksum-algorithm"] = "'checksum-algorithm' is required when 'checksum' is set"
	}
	if len(errs) > 0 {
		return "", "", paramErr(errs)
	}
	filename = reUploadFile.ReplaceAllString(path.Base(filename), "_")
	if !hasContent(s, content) {
		return "", "", paramErr1("content", "storage '"+s.ID+"' does not support '"+content+"' content")
	}
	switch content {
	case "iso":
		if !reISOName.MatchString(filename) {
			return "", "", paramErr1("filename", "wrong file extension")
		}
	case "import":
		if !reImportName.MatchString(filename) {
			return "", "", paramErr1("filename", "invalid filename or wrong extension")
		}
	case "vztmpl":
		if !reVztmplName.MatchString(filename) {
			return "", "", paramErr1("filename", "wrong file extension")
		}
	}
	return content, filename, nil
}

func (c *call) uploadFile() (any, *apiError) {
	t := c.t
	if c.up == nil {
		return nil, errStatus(501, "upload failed")
	}
	if e := c.allow("content", "filename", "checksum", "checksum-algorithm", "tmpfilename"); e != nil {
		return nil, e
	}
	s, e := c.storageOf()
	if e != nil {
		return nil, e
	}
	if e := t.checkAll(c.who, "/storage/"+s.ID, "Datastore.AllocateTemplate"); e != nil {
		return nil, e
	}
	content, filename, e := checkUploadParams(c, s)
	if e != nil {
		return nil, e
	}
	if !fileBased(s.Type) {
		return nil, err500("can't upload to storage type '%s'", s.Type)
	}
	data := c.up.data
	algo, sum := c.params["checksum-algorithm"], c.params["checksum"]
	nodeName := c.vars["node"]
	// not proxied: the task runs on the node that received the upload
	tk := t.newTask(t.localNode(), "imgcopy", "", c.who)
	volName := dirFor(content) + "/" + filename
	tk.logf("starting file import from: /var/tmp/pveupload-%x", md5.Sum([]byte(filename)))
	t.spawn(tk, 0, 0, func() string {
		if algo != "" {
			h := checksumAlgos[algo]()
			h.Write(data)
			if got := hex.EncodeToString(h.Sum(nil)); !strings.EqualFold(got, sum) {
				return fmt.Sprintf("checksum mismatch: got '%s' != expect '%s'", got, strings.ToLower(sum))
			}
			tk.logf("calculating checksum...OK, checksum verified")
		}
		if content == "iso" && !looksLikeISO(data) && !strings.HasSuffix(strings.ToLower(filename), ".img") {
			tk.logf("WARN: %s does not look like an ISO 9660 image", filename)
		}
		target := t.volumePath(s, volName)
		if nodeName != t.localNode() {
			tk.logf("target node: %s", nodeName)
			tk.logf("use source file: /var/tmp/pveupload-...")
			tk.logf("/usr/bin/scp -o BatchMode=yes -p -- /var/tmp/pveupload-... [%s]:%s", t.nodeBy[nodeName].ip, target)
		} else {
			tk.logf("target file: %s", target)
			tk.logf("file size is: %d", len(data))
			tk.logf("command: cp -- /var/tmp/pveupload-... %s", target)
		}
		t.putVolume(nodeName, &volume{storage: s.ID, name: volName, content: content, format: fileFormat(content, filename),
			size: int64(len(data)), ctime: time.Now().Unix(), data: data})
		tk.logf("finished file import successfully")
		return ""
	})
	return tk.upid, nil
}

func dirFor(content string) string { return content }

func looksLikeISO(b []byte) bool {
	return len(b) >= 0x8006 && string(b[0x8001:0x8006]) == "CD001"
}

func (c *call) downloadURL() (any, *apiError) {
	t := c.t
	if e := c.allow("url", "content", "filename", "checksum", "checksum-algorithm", "verify-certificates", "compression"); e != nil {
		return nil, e
	}
	s, e := c.storageOf()
	if e != nil {
		return nil, e
	}
	nodeName := c.vars["node"]
	if e := t.checkAll(c.who, "/storage/"+s.ID, "Datastore.AllocateTemplate"); e != nil {
		return nil, e
	}
	if !t.has(c.who, "/nodes/"+nodeName, "Sys.AccessNetwork") {
		if e := t.checkAll(c.who, "/", "Sys.Audit", "Sys.Modify"); e != nil {
			return nil, e
		}
	}
	u := c.params["url"]
	if u == "" {
		return nil, paramErr1("url", "property is missing and it is not optional")
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, paramErr1("url", "value does not match the regex pattern")
	}
	content, filename, e := checkUploadParams(c, s)
	if e != nil {
		return nil, e
	}
	if comp := c.params["compression"]; comp != "" {
		if comp != "gz" && comp != "lzo" && comp != "zst" && comp != "bz2" {
			return nil, paramErr1("compression", "value '"+comp+"' does not have a value in the enumeration 'gz, lzo, zst, bz2'")
		}
		if content != "iso" {
			return nil, err500("decompression not supported for %s", content)
		}
	}
	algo, sum := c.params["checksum-algorithm"], strings.ToLower(c.params["checksum"])
	volName := dirFor(content) + "/" + filename
	target := t.volumePath(s, volName)
	tk := t.newTask(nodeName, "download", filename, c.who)
	t.spawn(tk, 0, 0, func() string {
		digest := func(b []byte) string {
			h := checksumAlgos[algo]()
			h.Write(b)
			return hex.EncodeToString(h.Sum(nil))
		}
		if old := t.volume(nodeName, s.ID, volName); old != nil {
			if algo == "" {
				return fmt.Sprintf("refusing to override existing file '%s'", target)
			}
			if digest(old.data) == sum {
				tk.logf("file already exists %s, got correct file already, no need to download", target)
				return ""
			}
		}
		var entry *CatalogEntry
		for i := range t.cfg.Catalog {
			if t.cfg.Catalog[i].URL == u {
				entry = &t.cfg.Catalog[i]
			}
		}
		tk.logf("downloading %s to %s", u, target)
		if entry == nil || entry.Status != 0 {
			code := 404
			if entry != nil {
				code = entry.Status
			}
			return fmt.Sprintf("download failed: wget: server returned error: HTTP/1.1 %d %s", code, statusText(code))
		}
		data, err := fileBytes(entry.Text, entry.Base64, entry.Size)
		if err != nil {
			return "download failed: " + err.Error()
		}
		tk.logf("download of '%s' to '%s' finished", u, target)
		if algo != "" {
			got := digest(data)
			if got != sum {
				return fmt.Sprintf("checksum mismatch: got '%s' != expect '%s'", got, sum)
			}
			tk.logf("calculating checksum...OK, checksum verified")
		}
		t.putVolume(nodeName, &volume{storage: s.ID, name: volName, content: content, format: fileFormat(content, filename),
			size: int64(len(data)), ctime: time.Now().Unix(), data: data})
		return ""
	})
	return tk.upid, nil
}

func statusText(code int) string {
	switch code {
	case 404:
		return "Not Found"
	case 402:
		return "Payment Required"
	case 403:
		return "Forbidden"
	case 500:
		return "Internal Server Error"
	}
	return "Error"
}
