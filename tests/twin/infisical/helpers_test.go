package infisical

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"castellan/twin/tlsca"
	"castellan/twin/twinkit/twintest"
)

// Test fixtures: the sample config's identities.
const (
	projectID     = DefaultProjectID
	otherProject  = "78f22672-7e65-4a36-8501-ce3023550c6b"
	castellanID   = DefaultClientID
	castellanSec  = DefaultClientSecret
	readerID      = "9adfcf70-cd41-447a-bf25-5de3d5ec0564"
	readerSec     = "c005082197eb21a3ebe3956f70581d7734d7e8b33309c6e33bfdf07009420cd8"
	outsiderID    = "93dd8e15-0c4d-444f-a06e-ebd27c959fe6"
	outsiderSec   = "23ed03c840ca37765e9015248fdccf37732e38d64446801308ca827ad6cc5eaf"
	shortID       = "270b5da8-3678-4613-ba94-32b730b3f03c"
	shortSec      = "ff059188a1759ff3f8d4143986a7f5f0470ebf970790bfac229d84f3cb50dc7c"
	shortRevoked  = "fca14d9872b81860141c8809ef196bc0795ce1aa8d426b57866f7ef716b5d320"
	sampleConfig  = "../testdata/infisical.json"
	msgNotFoundTk = "No identity access token found"
)

type env struct {
	t    *testing.T
	tw   *Twin
	srv  *httptest.Server
	ca   *tlsca.CA
	base string
	hc   *http.Client
}

// start serves a twin over TLS (the twin's own CA and settings) loaded from
// the sample config, optionally changed by edit.
func start(t *testing.T, edit func(*Config)) *env {
	t.Helper()
	c, err := LoadConfig(sampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	tw, err := New(Options{Config: c})
	if err != nil {
		t.Fatal(err)
	}
	srv, ca, _ := twintest.ServeTLS(t, tw)
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ca.Pool(), MaxVersion: tls.VersionTLS12},
		DisableKeepAlives: true,
	}}
	return &env{t: t, tw: tw, srv: srv, ca: ca, base: srv.URL, hc: hc}
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request. body: nil (none), string (raw, Content-Type from
// hdr or text/plain), url.Values (form), anything else (JSON).
func (e *env) do(method, path string, hdr map[string]string, body any) *resp {
	e.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "text/plain"
	case url.Values:
		rd, ct = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ct = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := &resp{status: res.StatusCode, header: res.Header, raw: raw}
	json.Unmarshal(raw, &r.body)
	return r
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

// login returns a fresh access token for clientID.
func (e *env) login(clientID, secret string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/auth/universal-auth/login", nil, map[string]string{"clientId": clientID, "clientSecret": secret})
	if r.status != 200 {
		e.t.Fatalf("login: %d %s", r.status, r.raw)
	}
	return r.body["accessToken"].(string)
}

// list lists /castle in homelab/prod with tok.
func (e *env) list(tok string) *resp {
	return e.do("GET", "/api/v3/secrets/raw?workspaceId="+projectID+"&environment=prod&secretPath=/castle", bearer(tok), nil)
}

// expectErr checks status and the {statusCode, message, error} body.
func (r *resp) expectErr(t *testing.T, status int, name string, message any) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if r.body == nil {
		t.Fatalf("body is not a JSON object: %s", r.raw)
	}
	if got := r.body["statusCode"]; got != float64(status) {
		t.Errorf("statusCode %v, want %d", got, status)
	}
	if name != "" && r.body["error"] != name {
		t.Errorf("error %q, want %q (%s)", r.body["error"], name, r.raw)
	}
	if s, ok := message.(string); ok && r.body["message"] != s {
		t.Errorf("message %q, want %q", r.body["message"], s)
	}
}

// issues returns the ValidationFailure message array.
func (r *resp) issues(t *testing.T) []any {
	t.Helper()
	arr, ok := r.body["message"].([]any)
	if !ok || len(arr) == 0 {
		t.Fatalf("message is not a non-empty array: %s", r.raw)
	}
	return arr
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func sameSet(a, b []string) bool {
	ma, mb := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		ma[x] = true
	}
	for _, x := range b {
		mb[x] = true
	}
	return reflect.DeepEqual(ma, mb)
}

func TestSampleConfigLoads(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.json")
	if len(files) == 0 {
		t.Fatal("no sample configs")
	}
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), "proxmox") {
			continue // the Proxmox twin's config (castellan/twin/proxmox)
		}
		if _, err := LoadConfig(f); err != nil {
			t.Error(err)
		}
		data, _ := os.ReadFile(f)
		c, _ := ParseConfig(data)
		if _, err := New(Options{Config: c}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, err := New(Options{}); err != nil {
		t.Errorf("default config: %v", err)
	}
	if _, err := ParseConfig([]byte(`{"projects":[],"typo":1}`)); err == nil {
		t.Error("unknown key accepted")
	}
	bad := []string{
		`{"projects":[{"id":"a","slug":"A","environments":["prod"]}]}`,
		`{"projects":[{"id":"a","slug":"a","environments":["prod"]}],"secrets":[{"project":"a","env":"dev","key":"K","value":"v"}]}`,
		`{"projects":[{"id":"a","slug":"a","environments":["prod"]}],"identities":[{"id":"i","clientId":"c","memberships":[{"project":"a","role":"owner"}]}]}`,
		`{"rateLimitStatus":418}`,
	}
	for _, b := range bad {
		c, err := ParseConfig([]byte(b))
		if err == nil {
			_, err = New(Options{Config: c})
		}
		if err == nil {
			t.Errorf("accepted: %s", b)
		}
	}
}
