package proxmox

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"castellan/twin/twinkit/twintest"
)

// The sample config's tokens.
const (
	tokCastellan = "castellan@pve!castellan=7b5f1656-dbe1-4d05-ad0e-d854676096ac"
	tokFresh     = "castellan@pve!fresh=0d3c9f0e-6d0b-4b8e-9d8f-2a8c1d1f5e77"
	tokFull      = "castellan@pve!full=a3f1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b"
	tokAuditor   = "auditor@pve!ro=5e0c8a1b-2d3f-4a5b-9c6d-7e8f9a0b1c2d"
	tokNoVLAN    = "novlan@pve!tk=9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
	sampleConfig = "../testdata/proxmox.json"
)

type env struct {
	t    *testing.T
	tw   *Twin
	base string
	hc   *http.Client
}

// start serves a twin over TLS from the sample config (task time 50 ms,
// no 401 delay), optionally changed by edit.
func start(t *testing.T, edit func(*Config)) *env {
	t.Helper()
	c, err := LoadConfig(sampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	ms, zero := 50, 0
	c.TaskMs, c.TaskMsByType, c.AuthFailDelayMs = &ms, nil, &zero
	if edit != nil {
		edit(c)
	}
	tw, err := New(Options{Config: c})
	if err != nil {
		t.Fatal(err)
	}
	srv, ca, _ := twintest.ServeTLS(t, tw)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), MaxVersion: tls.VersionTLS12}}}
	return &env{t: t, tw: tw, base: srv.URL, hc: hc}
}

type resp struct {
	status int
	line   string // the status line's text after the code
	raw    []byte
	body   map[string]any
}

func (r *resp) data() any { return r.body["data"] }

// do sends a request with token tok ("" none). body: nil, url.Values
// (form), string (raw form body), or anything else (JSON).
func (e *env) do(method, path, tok string, body any) *resp {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	case string:
		rd, ct = strings.NewReader(b), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	if strings.HasPrefix(path, "/") && !strings.HasPrefix(path, "/_twin") && !strings.HasPrefix(path, "/api2") {
		path = "/api2/json" + path
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if tok != "" {
		req.Header.Set("Authorization", "PVEAPIToken="+tok)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *resp {
	e.t.Helper()
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := &resp{status: res.StatusCode, line: strings.TrimPrefix(res.Status, res.Status[:4]), raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

// expect checks the status and the reason phrase.
func (r *resp) expect(t *testing.T, status int, reason string) *resp {
	t.Helper()
	if r.status != status || (reason != "" && r.line != reason) {
		t.Fatalf("got %d %q, want %d %q: %s", r.status, r.line, status, reason, r.raw)
	}
	return r
}

// paramErrs checks a 400 and returns its errors.
func (r *resp) paramErrs(t *testing.T) map[string]any {
	t.Helper()
	r.expect(t, 400, "Parameter verification failed.")
	if r.body["message"] != "Parameter verification failed.\n" || r.body["data"] != nil {
		t.Errorf("400 body: %s", r.raw)
	}
	errs, _ := r.body["errors"].(map[string]any)
	if len(errs) == 0 {
		t.Fatalf("no errors: %s", r.raw)
	}
	return errs
}

func (e *env) upid(r *resp) string {
	e.t.Helper()
	r.expect(e.t, 200, "OK")
	s, ok := r.data().(string)
	if !ok || !strings.HasPrefix(s, "UPID:") {
		e.t.Fatalf("no UPID: %s", r.raw)
	}
	return s
}

// wait polls the task until it stops and returns its exit status.
func (e *env) wait(tok, upid string) string {
	e.t.Helper()
	node := strings.Split(upid, ":")[1]
	for i := 0; i < 300; i++ {
		r := e.do("GET", "/nodes/"+node+"/tasks/"+url.PathEscape(upid)+"/status", tok, nil).expect(e.t, 200, "OK")
		d := r.data().(map[string]any)
		if d["status"] == "stopped" {
			return d["exitstatus"].(string)
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.t.Fatalf("task %s never stopped", upid)
	return ""
}

func (e *env) state() map[string]any {
	e.t.Helper()
	return e.do("GET", "/_twin/pve/state", "", nil).body
}

func (e *env) vmState(vmid int) map[string]any {
	e.t.Helper()
	for _, v := range e.state()["vms"].([]any) {
		if m := v.(map[string]any); m["vmid"] == float64(vmid) {
			return m
		}
	}
	return nil
}

// uploadReq builds a multipart upload (fields first, file part last).
func (e *env) upload(node, storage, tok string, fields [][2]string, filename string, data []byte) *resp {
	e.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		w.WriteField(f[0], f[1])
	}
	fw, _ := w.CreateFormFile("filename", filename)
	fw.Write(data)
	w.Close()
	req, _ := http.NewRequest("POST", e.base+"/api2/json/nodes/"+node+"/storage/"+storage+"/upload", &b)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", "PVEAPIToken="+tok)
	return e.send(req)
}

// cidataISO builds a NoCloud ISO (Rock Ridge + Joliet, label cidata) with
// go-diskfs, as go-proxmox does.
func cidataISO(t *testing.T, label string, files map[string]string) []byte {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ci.iso")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	bk, err := file.OpenFromPath(p, false)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := iso9660.Create(bk, 0, 0, 2048, "")
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		rw, err := fs.OpenFile("/"+name, os.O_CREATE|os.O_RDWR)
		if err != nil {
			t.Fatal(err)
		}
		rw.Write([]byte(content))
		rw.Close()
	}
	if err := fs.Finalize(iso9660.FinalizeOptions{RockRidge: true, Joliet: true, VolumeIdentifier: label}); err != nil {
		t.Fatal(err)
	}
	bk.Close()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
