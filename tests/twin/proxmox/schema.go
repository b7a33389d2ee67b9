package proxmox

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// The QEMU config schema, as far as the twin checks it ($confdesc).

const notInSchema = "property is not defined in schema and the schema does not allow additional properties"

type pkind int

const (
	kString pkind = iota
	kInt
	kBool
	kEnum
)

type pdesc struct {
	kind     pkind
	min, max int64
	enum     []string
	re       *regexp.Regexp
	maxLen   int
	check    func(k, v string) string // extra format check: "" ok, else the message
}

var (
	reDNSName  = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)*$`)
	reMachine  = regexp.MustCompile(`^(?:pc|pc(?:-i440fx)?-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|q35|pc-q35-\d+(?:\.\d+)+(?:\+pve\d+)?(?:\.pxe)?|virt(?:-\d+(?:\.\d+)+)?(?:\+pve\d+)?)$`)
	reTag      = regexp.MustCompile(`^(?i)[a-z0-9_][a-z0-9_\-+.]*$`)
	reMAC      = regexp.MustCompile(`^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$`)
	reUUID     = regexp.MustCompile(`^[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}$`)
	reB64Value = regexp.MustCompile(`^[A-Za-z0-9+/]+={0,2}$`)
	reDrive    = regexp.MustCompile(`^(ide[0-3]|sata[0-5]|scsi(?:[0-9]|[12][0-9]|30)|virtio(?:[0-9]|1[0-5])|efidisk0|tpmstate0)$`)
	reIndexed  = regexp.MustCompile(`^(net|ipconfig|unused|serial|usb|hostpci|parallel|numa)(\d+)$`)
	reCPUType  = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)
)

var indexMax = map[string]int{"net": 31, "ipconfig": 31, "unused": 255, "serial": 3, "usb": 4, "hostpci": 15, "parallel": 2, "numa": 7}

var confSchema = map[string]pdesc{
	"name":         {kind: kString, check: func(k, v string) string { return checkRe(reDNSName, v, "value does not look like a valid DNS name") }},
	"memory":       {kind: kString, check: checkMemory},
	"balloon":      {kind: kInt, min: 0, max: 4194304},
	"shares":       {kind: kInt, min: 0, max: 50000},
	"cores":        {kind: kInt, min: 1, max: 1024},
	"sockets":      {kind: kInt, min: 1, max: 16},
	"vcpus":        {kind: kInt, min: 1, max: 4096},
	"numa":         {kind: kBool},
	"cpu":          {kind: kString, check: checkCPU},
	"cpulimit":     {kind: kString},
	"cpuunits":     {kind: kInt, min: 1, max: 262144},
	"machine":      {kind: kString, check: func(k, v string) string { return checkRe(reMachine, strings.SplitN(v, ",", 2)[0], "") }},
	"bios":         {kind: kEnum, enum: []string{"seabios", "ovmf"}},
	"scsihw":       {kind: kEnum, enum: []string{"lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas", "pvscsi"}},
	"ostype":       {kind: kEnum, enum: []string{"other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11", "l24", "l26", "solaris"}},
	"onboot":       {kind: kBool},
	"protection":   {kind: kBool},
	"tablet":       {kind: kBool},
	"kvm":          {kind: kBool},
	"acpi":         {kind: kBool},
	"localtime":    {kind: kBool},
	"template":     {kind: kBool},
	"agent":        {kind: kString, check: checkAgent},
	"vga":          {kind: kString},
	"smbios1":      {kind: kString, maxLen: 512, check: checkSMBIOS},
	"tags":         {kind: kString, check: checkTags},
	"description":  {kind: kString, maxLen: 8192},
	"boot":         {kind: kString, check: checkBoot},
	"bootdisk":     {kind: kString},
	"startup":      {kind: kString},
	"hotplug":      {kind: kString},
	"keyboard":     {kind: kString},
	"rng0":         {kind: kString},
	"watchdog":     {kind: kString},
	"audio0":       {kind: kString},
	"vmgenid":      {kind: kString},
	"ciuser":       {kind: kString},
	"cipassword":   {kind: kString},
	"citype":       {kind: kEnum, enum: []string{"configdrive2", "nocloud", "opennebula"}},
	"ciupgrade":    {kind: kBool},
	"cicustom":     {kind: kString},
	"nameserver":   {kind: kString},
	"searchdomain": {kind: kString},
	"sshkeys":      {kind: kString},
	"lock":         {kind: kString},
	// root-only
	"args": {kind: kString}, "arch": {kind: kEnum, enum: []string{"x86_64", "aarch64"}}, "hookscript": {kind: kString},
	"affinity": {kind: kString}, "hugepages": {kind: kString}, "keephugepages": {kind: kBool}, "ivshmem": {kind: kString},
	"amd-sev": {kind: kString}, "intel-tdx": {kind: kString},
}

// rootOnly config keys: "only root can set '<opt>' config" (tokens never qualify).
var rootOnly = map[string]bool{"args": true, "arch": true, "hookscript": true, "affinity": true, "hugepages": true,
	"keephugepages": true, "vmgenid": true, "ivshmem": true, "amd-sev": true, "intel-tdx": true}

func checkRe(re *regexp.Regexp, v, msg string) string {
	if re.MatchString(v) {
		return ""
	}
	if msg == "" {
		return "value does not match the regex pattern"
	}
	return "invalid format - " + msg
}

func checkMemory(k, v string) string {
	cur := v
	if strings.Contains(v, "=") {
		kv := parseProps(v, "current")
		c, ok := kv.get("current")
		if !ok || len(kv.keys) != 1 {
			return "invalid format - format error\nmemory.current: property is missing and it is not optional"
		}
		cur = c
	}
	n, err := strconv.ParseInt(cur, 10, 64)
	if err != nil {
		return "invalid format - format error\nmemory.current: type check ('integer') failed - got '" + cur + "'"
	}
	if n < 16 {
		return "invalid format - format error\nmemory.current: value must have a minimum value of 16"
	}
	return ""
}

func checkCPU(k, v string) string {
	kv := parseProps(v, "cputype")
	ct, _ := kv.get("cputype")
	if !reCPUType.MatchString(ct) {
		return "invalid format - format error\ncpu.cputype: value does not match the regex pattern"
	}
	return ""
}

func checkAgent(k, v string) string {
	kv := parseProps(v, "enabled")
	for _, key := range kv.keys {
		switch key {
		case "enabled", "fstrim_cloned_disks", "freeze-fs-on-backup", "freeze-fs", "guest-fsfreeze":
			if _, ok := parseBool(kv.m[key]); !ok {
				return fmt.Sprintf("invalid format - format error\nagent.%s: type check ('boolean') failed - got '%s'", key, kv.m[key])
			}
		case "type":
			if x := kv.m[key]; x != "virtio" && x != "isa" {
				return "invalid format - format error\nagent.type: value '" + x + "' does not have a value in the enumeration 'virtio, isa'"
			}
		default:
			return "invalid format - format error\nagent." + key + ": " + notInSchema
		}
	}
	return ""
}

func checkSMBIOS(k, v string) string {
	kv := parseProps(v, "")
	b64 := false
	if x, ok := kv.get("base64"); ok {
		b64, _ = parseBool(x)
	}
	for _, key := range kv.keys {
		val := kv.m[key]
		switch key {
		case "uuid":
			if !reUUID.MatchString(val) {
				return "invalid format - format error\nsmbios1.uuid: value does not match the regex pattern"
			}
		case "base64":
		case "serial", "manufacturer", "product", "version", "sku", "family":
			if !b64 && !reB64Value.MatchString(val) {
				return "invalid format - format error\nsmbios1." + key + ": value does not match the regex pattern"
			}
		default:
			return "invalid format - format error\nsmbios1." + key + ": " + notInSchema
		}
	}
	return ""
}

func splitTags(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
}

func checkTags(k, v string) string {
	for _, tg := range splitTags(v) {
		if !reTag.MatchString(tg) {
			return "invalid format - invalid characters in tag"
		}
	}
	return ""
}

var reBootDev = regexp.MustCompile(`^(?:ide[0-3]|sata[0-5]|scsi(?:[0-9]|[12][0-9]|30)|virtio(?:[0-9]|1[0-5])|net(?:[0-9]|[12][0-9]|3[01])|hostpci(?:[0-9]|1[0-5])|usb[0-4])$`)

func checkBoot(k, v string) string {
	if regexp.MustCompile(`^[acdn]{1,4}$`).MatchString(v) {
		return "" // legacy, deprecated
	}
	kv := parseProps(v, "legacy")
	for _, key := range kv.keys {
		switch key {
		case "order":
			for _, d := range strings.Split(kv.m[key], ";") {
				if !reBootDev.MatchString(d) {
					return "invalid format - format error\nboot.order: invalid format - invalid boot device '" + d + "'"
				}
			}
		case "legacy":
			if !regexp.MustCompile(`^[acdn]{1,4}$`).MatchString(kv.m[key]) {
				return "invalid format - format error\nboot.legacy: value does not match the regex pattern"
			}
		default:
			return "invalid format - format error\nboot." + key + ": " + notInSchema
		}
	}
	return ""
}

// props is a parsed property string, in order.
type props struct {
	keys []string
	m    map[string]string
}

func (p *props) get(k string) (string, bool) { v, ok := p.m[k]; return v, ok }

func (p *props) set(k, v string) {
	if _, ok := p.m[k]; !ok {
		p.keys = append(p.keys, k)
	}
	p.m[k] = v
}

func (p *props) del(k string) {
	delete(p.m, k)
	for i, x := range p.keys {
		if x == k {
			p.keys = append(p.keys[:i], p.keys[i+1:]...)
			break
		}
	}
}

// parseProps parses "a=1,b=2"; an item without '=' is the default key's
// value (only first).
func parseProps(s, defKey string) *props {
	p := &props{m: map[string]string{}}
	for i, item := range strings.Split(s, ",") {
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "=")
		if !ok {
			if i == 0 && defKey != "" {
				p.set(defKey, item)
				continue
			}
			p.set(item, "")
			continue
		}
		p.set(k, v)
	}
	return p
}

// print writes the default key first, then the rest sorted (as
// print_property_string does).
func (p *props) print(defKey string, first ...string) string {
	var out []string
	if v, ok := p.m[defKey]; ok && defKey != "" {
		out = append(out, v)
	}
	done := map[string]bool{defKey: true}
	for _, f := range first {
		if v, ok := p.m[f]; ok && !done[f] {
			out = append(out, f+"="+v)
			done[f] = true
		}
	}
	for _, k := range sortedKeys(p.m) {
		if !done[k] {
			out = append(out, k+"="+p.m[k])
		}
	}
	return strings.Join(out, ",")
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, true
	case "0", "false", "no", "off":
		return false, true
	}
	return false, false
}

// checkValue checks one parameter against d.
func checkValue(k, v string, d pdesc) string {
	switch d.kind {
	case kInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "type check ('integer') failed - got '" + v + "'"
		}
		if n < d.min {
			return fmt.Sprintf("value must have a minimum value of %d", d.min)
		}
		if d.max != 0 && n > d.max {
			return fmt.Sprintf("value may have a maximum value of %d", d.max)
		}
	case kBool:
		if _, ok := parseBool(v); !ok {
			return "type check ('boolean') failed - got '" + v + "'"
		}
	case kEnum:
		for _, e := range d.enum {
			if e == v {
				return ""
			}
		}
		return "value '" + v + "' does not have a value in the enumeration '" + strings.Join(d.enum, ", ") + "'"
	}
	if d.maxLen > 0 && len(v) > d.maxLen {
		return fmt.Sprintf("value may only be %d characters long", d.maxLen)
	}
	if d.check != nil {
		return d.check(k, v)
	}
	return ""
}

func isDriveKey(k string) bool { return reDrive.MatchString(k) }

// confKeyKind is "drive", "net", "ipconfig", "unused", "serial", ... or
// "" for a plain key; ok is false for unknown keys.
func confKeyKind(k string) (string, bool) {
	if isDriveKey(k) {
		return "drive", true
	}
	if m := reIndexed.FindStringSubmatch(k); m != nil {
		n, _ := strconv.Atoi(m[2])
		if n <= indexMax[m[1]] && (m[2] == "0" || !strings.HasPrefix(m[2], "0")) {
			return m[1], true
		}
		return "", false
	}
	_, ok := confSchema[k]
	return "", ok
}

// intKeys come back from GET config as JSON numbers.
var intKeys = map[string]bool{"cores": true, "sockets": true, "vcpus": true, "balloon": true, "shares": true, "cpuunits": true,
	"onboot": true, "numa": true, "protection": true, "tablet": true, "kvm": true, "acpi": true, "localtime": true, "template": true,
	"ciupgrade": true}
