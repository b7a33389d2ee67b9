package proxmox

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"unicode/utf16"
)

// Cidata is what a simulated Talos node read from its NoCloud ISO at boot.
type Cidata struct {
	VolID string `json:"volid"`
	Label string `json:"label"`
	// Names: how the file names were read, as Linux's isofs picks them:
	// "rockridge" (preferred), "joliet", or "iso9660" (lowercased, ";1"
	// dropped: user-data would then be "user_dat").
	Names string `json:"names"`
	// Files: the root directory's files by the name the guest sees.
	Files         map[string]string `json:"files"`
	UserData      *string           `json:"userData"`
	MetaData      *string           `json:"metaData"`
	NetworkConfig *string           `json:"networkConfig"`
	VendorData    *string           `json:"vendorData"`
	Error         string            `json:"error,omitempty"`
}

const sector = 2048

// readCidata parses an ISO 9660 image and returns its NoCloud files if its
// volume label is cidata/CIDATA; nil otherwise (not an ISO, other label).
func readCidata(volid string, data []byte) *Cidata {
	var pvd, joliet []byte
	for lba := 16; (lba+1)*sector <= len(data); lba++ {
		d := data[lba*sector : (lba+1)*sector]
		if string(d[1:6]) != "CD001" {
			return nil
		}
		if d[0] == 255 {
			break
		}
		if d[0] == 1 && pvd == nil {
			pvd = d
		}
		if d[0] == 2 && d[88] == '%' && d[89] == '/' && (d[90] == '@' || d[90] == 'C' || d[90] == 'E') {
			joliet = d
		}
	}
	if pvd == nil {
		return nil
	}
	label := strings.TrimRight(string(pvd[40:72]), " \x00")
	if !strings.EqualFold(label, "cidata") {
		return nil
	}
	cd := &Cidata{VolID: volid, Label: label, Files: map[string]string{}}
	ents, rr, err := readDir(data, pvd[156:190], false)
	switch {
	case err != nil:
		cd.Error = err.Error()
		return cd
	case rr:
		cd.Names = "rockridge"
	case joliet != nil:
		if je, _, err := readDir(data, joliet[156:190], true); err == nil {
			ents, cd.Names = je, "joliet"
		}
	default:
		cd.Names = "iso9660"
	}
	for _, e := range ents {
		if e.dir {
			continue
		}
		if int64(e.lba)*sector+int64(e.size) > int64(len(data)) {
			cd.Error = "file " + e.name + " extends past the image"
			continue
		}
		cd.Files[e.name] = string(data[int64(e.lba)*sector : int64(e.lba)*sector+int64(e.size)])
	}
	get := func(n string) *string {
		if s, ok := cd.Files[n]; ok {
			return &s
		}
		return nil
	}
	cd.UserData, cd.MetaData, cd.NetworkConfig, cd.VendorData = get("user-data"), get("meta-data"), get("network-config"), get("vendor-data")
	return cd
}

type isoEntry struct {
	name string
	lba  uint32
	size uint32
	dir  bool
}

// readDir lists the directory whose record is rec; rr reports Rock Ridge
// names were found.
func readDir(data, rec []byte, joliet bool) ([]isoEntry, bool, error) {
	lba, size := binary.LittleEndian.Uint32(rec[2:6]), binary.LittleEndian.Uint32(rec[10:14])
	start, end := int64(lba)*sector, int64(lba)*sector+int64(size)
	if end > int64(len(data)) || size > 1<<24 {
		return nil, false, errors.New("directory extends past the image")
	}
	var out []isoEntry
	rr := false
	for off := start; off < end; {
		l := int64(data[off])
		if l == 0 { // next sector
			off = (off/sector + 1) * sector
			continue
		}
		if off+l > end || l < 34 {
			return nil, false, errors.New("bad directory record")
		}
		r := data[off : off+l]
		off += l
		nl := int(r[32])
		if 33+nl > len(r) {
			return nil, false, errors.New("bad directory record name")
		}
		id := r[33 : 33+nl]
		if nl == 1 && (id[0] == 0 || id[0] == 1) {
			continue // . and ..
		}
		e := isoEntry{lba: binary.LittleEndian.Uint32(r[2:6]), size: binary.LittleEndian.Uint32(r[10:14]), dir: r[25]&2 != 0}
		su := r[33+nl:]
		if nl%2 == 0 && len(su) > 0 {
			su = su[1:]
		}
		if !joliet {
			if nm, ok := rrName(data, su); ok {
				e.name, rr = nm, true
			}
		}
		if e.name == "" {
			if joliet {
				u := make([]uint16, len(id)/2)
				for i := range u {
					u[i] = binary.BigEndian.Uint16(id[2*i:])
				}
				e.name = string(utf16.Decode(u))
			} else {
				e.name = strings.ToLower(string(id))
			}
			e.name = strings.TrimSuffix(strings.SplitN(e.name, ";", 2)[0], ".")
		}
		out = append(out, e)
	}
	return out, rr, nil
}

// rrName reads the Rock Ridge NM entries of a system use area (following
// CE continuation areas).
func rrName(data, su []byte) (string, bool) {
	var name bytes.Buffer
	found := false
	for hops := 0; hops < 8; hops++ {
		var next []byte
		for len(su) >= 4 {
			l := int(su[2])
			if l < 4 || l > len(su) {
				break
			}
			sig := string(su[0:2])
			switch {
			case sig == "NM" && l >= 5:
				if su[4]&0x06 == 0 { // not . or ..
					name.Write(su[5:l])
					found = true
				}
			case sig == "CE" && l >= 28:
				blk := int64(binary.LittleEndian.Uint32(su[4:8]))
				o := int64(binary.LittleEndian.Uint32(su[12:16]))
				n := int64(binary.LittleEndian.Uint32(su[20:24]))
				if s := blk*sector + o; s+n <= int64(len(data)) {
					next = data[s : s+n]
				}
			case sig == "ST":
				su = nil
			}
			if su == nil {
				break
			}
			su = su[l:]
		}
		if next == nil {
			break
		}
		su = next
	}
	return name.String(), found
}
