package infisical

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRateLimits(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	for i := 1; i <= 40; i++ {
		r := e.list(tok)
		if r.status != 200 {
			t.Fatalf("list %d: %d %s", i, r.status, r.raw)
		}
		if r.header.Get("x-ratelimit-limit") != "40" || r.header.Get("x-ratelimit-remaining") != fmt.Sprint(40-i) ||
			r.header.Get("x-ratelimit-reset") == "" {
			t.Fatalf("list %d headers: %v", i, r.header)
		}
	}
	r := e.list(tok)
	r.expectErr(t, 500, "InternalServerError", "Something went wrong")
	if r.header.Get("retry-after") == "" || r.header.Get("x-ratelimit-remaining") != "0" {
		t.Errorf("limited headers: %v", r.header)
	}
	// workspaceSlug is the same route: same bucket.
	e.do("GET", "/api/v3/secrets/raw?workspaceSlug=homelab&environment=prod", bearer(tok), nil).expectErr(t, 500, "", nil)
	// get-by-name has its own bucket; login is in the write limiter.
	if r := e.do("GET", "/api/v3/secrets/raw/PROXMOX_TOKEN_ID?workspaceId="+projectID+"&environment=prod&secretPath=/castle", bearer(tok), nil); r.status != 200 {
		t.Errorf("get-by-name while list is exhausted: %d", r.status)
	}
	e.login(castellanID, castellanSec)

	// Current upstream: 429 with a message naming the wait.
	e.do("POST", "/_twin/faults", nil, map[string]int{"rateLimitStatus": 429})
	r = e.list(tok)
	r.expectErr(t, 429, "RateLimitExceeded", nil)
	if msg, _ := r.body["message"].(string); !strings.HasPrefix(msg, "Rate limit exceeded. Please try again in ") ||
		msg != "Rate limit exceeded. Please try again in "+r.header.Get("retry-after")+" seconds" {
		t.Errorf("429 message %q, retry-after %q", msg, r.header.Get("retry-after"))
	}

	// The window ends (twin clock).
	e.tw.Advance(61 * time.Second)
	if r := e.list(tok); r.status != 200 || r.header.Get("x-ratelimit-remaining") != "39" {
		t.Errorf("after the window: %d %v", r.status, r.header)
	}
	// The request log marks refusals.
	var limited int
	for _, rec := range e.do("GET", "/_twin/requests", nil, nil).body["requests"].([]any) {
		if rec.(map[string]any)["limited"] == true {
			limited++
		}
	}
	if limited != 3 {
		t.Errorf("%d limited requests logged, want 3", limited)
	}
}

func TestRateLimitShortWindow(t *testing.T) {
	e := start(t, func(c *Config) { c.RateLimitWindowSeconds = 1; c.Limits = &Limits{Secrets: 2} })
	tok := e.login(castellanID, castellanSec)
	e.list(tok)
	e.list(tok)
	if r := e.list(tok); r.status != 500 || r.header.Get("retry-after") != "1" {
		t.Fatalf("third: %d %v", r.status, r.header)
	}
	time.Sleep(1100 * time.Millisecond)
	if r := e.list(tok); r.status != 200 {
		t.Errorf("after 1 s: %d", r.status)
	}
}

// raw sends a request on a fresh TLS connection and reports a transport
// error instead of failing.
func (e *env) try(method, path string) (int, error) {
	req, _ := http.NewRequest(method, e.base+path, nil)
	res, err := e.hc.Do(req)
	if err != nil {
		return 0, err
	}
	res.Body.Close()
	return res.StatusCode, nil
}

func TestFaults(t *testing.T) {
	e := start(t, nil)
	set := func(body string) {
		t.Helper()
		r := e.do("POST", "/_twin/faults", map[string]string{"Content-Type": "application/json"}, body)
		if r.status != 200 {
			t.Fatalf("faults %s: %d %s", body, r.status, r.raw)
		}
	}

	set(`{"latencyMs":150}`)
	t0 := time.Now()
	if st, _ := e.try("GET", "/api/status"); st != 200 || time.Since(t0) < 150*time.Millisecond {
		t.Errorf("latency: %d after %v", st, time.Since(t0))
	}

	set(`{"dropConnections":2}`)
	for i := 0; i < 2; i++ {
		if st, err := e.try("GET", "/api/status"); err == nil {
			t.Errorf("drop %d: got status %d", i, st)
		}
	}
	if st, err := e.try("GET", "/api/status"); st != 200 {
		t.Errorf("after drops: %d %v", st, err)
	}

	set(`{"status5xx":{"count":2,"code":503}}`)
	r := e.do("GET", "/api/status", nil, nil)
	r.expectErr(t, 503, "Service Unavailable", "Service Unavailable")
	e.do("GET", "/api/status", nil, nil).expectErr(t, 503, "", nil)
	if st, _ := e.try("GET", "/api/status"); st != 200 {
		t.Errorf("after 5xx: %d", st)
	}
	set(`{"status5xx":{"count":1,"code":502,"body":"<html>Bad Gateway</html>"}}`)
	if r := e.do("GET", "/api/status", nil, nil); r.status != 502 || string(r.raw) != "<html>Bad Gateway</html>" || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("raw 502: %d %q %v", r.status, r.raw, r.header)
	}

	set(`{"rateLimitBurst":{"count":1,"status":429,"retryAfter":7}}`)
	r = e.do("GET", "/api/status", nil, nil)
	r.expectErr(t, 429, "RateLimitExceeded", "Rate limit exceeded. Please try again in 7 seconds")
	if r.header.Get("retry-after") != "7" || r.header.Get("x-ratelimit-remaining") != "0" {
		t.Errorf("burst headers %v", r.header)
	}
	set(`{"rateLimitBurst":{"count":1}}`) // default status: the current mode (500)
	if r := e.do("GET", "/api/status", nil, nil); r.status != 500 || r.header.Get("retry-after") != "1" {
		t.Errorf("burst default: %d %v", r.status, r.header)
	}

	// routes restricts faults to a path prefix.
	set(`{"status5xx":{"count":5,"code":500},"routes":"/api/v3/secrets"}`)
	if st, _ := e.try("GET", "/api/status"); st != 200 {
		t.Errorf("outside routes: %d", st)
	}
	tok := e.login(castellanID, castellanSec)
	e.list(tok).expectErr(t, 500, "InternalServerError", "Something went wrong")
	if r := e.do("GET", "/_twin/faults", nil, nil); r.body["status5xx"].(map[string]any)["count"] != 4.0 {
		t.Errorf("remaining count: %s", r.raw)
	}
	if r := e.do("DELETE", "/_twin/faults", nil, nil); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := e.list(tok); r.status != 200 {
		t.Errorf("after DELETE: %d", r.status)
	}

	// Outage: every request dropped until it passes; /_twin/ still answers.
	set(`{"outageSeconds":0.4}`)
	if _, err := e.try("GET", "/api/status"); err == nil {
		t.Error("outage: request answered")
	}
	if r := e.do("GET", "/_twin/state", nil, nil); r.status != 200 {
		t.Errorf("control during outage: %d", r.status)
	}
	time.Sleep(450 * time.Millisecond)
	if st, err := e.try("GET", "/api/status"); st != 200 {
		t.Errorf("after outage: %d %v", st, err)
	}

	// The request log saw it all, faults named, drops as status 0.
	r = e.do("GET", "/_twin/requests", nil, nil)
	var drops, s5 int
	for _, x := range r.body["requests"].([]any) {
		m := x.(map[string]any)
		if strings.HasPrefix(m["path"].(string), "/_twin") {
			t.Errorf("control request logged: %v", m)
		}
		switch m["fault"] {
		case "drop", "outage":
			drops++
			if m["status"] != 0.0 {
				t.Errorf("dropped with status %v", m["status"])
			}
		case "status5xx":
			s5++
		}
	}
	if drops != 3 || s5 != 4 {
		t.Errorf("log: %d drops, %d 5xx: %s", drops, s5, r.raw)
	}
	last := r.body["last"].(float64)
	e.try("GET", "/api/status")
	if r := e.do("GET", fmt.Sprintf("/_twin/requests?since=%d", int(last)), nil, nil); len(r.body["requests"].([]any)) != 1 {
		t.Errorf("since: %s", r.raw)
	}
}

func TestDropIsAConnectionReset(t *testing.T) {
	e := start(t, nil)
	e.do("POST", "/_twin/faults", nil, map[string]int{"dropConnections": 1})
	conn, err := tls.Dial("tcp", strings.TrimPrefix(e.base, "https://"), &tls.Config{RootCAs: e.ca.Pool()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /api/status HTTP/1.1\r\nHost: x\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err == nil || line != "" {
		t.Errorf("got %q, %v; want no response", line, err)
	}
}

func TestControlState(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	e.login(castellanID, castellanSec)
	e.do("POST", "/api/v1/auth/token/revoke", nil, map[string]string{"accessToken": tok})

	r := e.do("GET", "/_twin/state", nil, nil)
	var me map[string]any
	for _, x := range r.body["identities"].([]any) {
		if m := x.(map[string]any); m["clientId"] == castellanID {
			me = m
		}
	}
	counts := me["tokens"].(map[string]any)
	if counts["issued"] != 2.0 || counts["revoked"] != 1.0 || counts["live"] != 1.0 {
		t.Errorf("token counts %v", counts)
	}
	if cs := me["clientSecrets"].([]any)[0].(map[string]any); cs["uses"] != 2.0 {
		t.Errorf("client secret %v", cs)
	}
	if strings.Contains(string(r.raw), castellanSec) || strings.Contains(string(r.raw), tok) {
		t.Error("state shows a client secret or a token")
	}

	// Plant: replace, create (with its folder), delete.
	r = e.do("PUT", "/_twin/secrets", nil, []map[string]any{
		{"project": "homelab", "env": "prod", "path": "/castle", "key": "PROXMOX_TOKEN_ID", "value": "  planted  "},
		{"project": projectID, "env": "prod", "path": "/castle/new", "key": "FRESH", "value": "f"},
		{"project": "homelab", "env": "prod", "path": "/castle", "key": "ESO_CLIENT_ID", "delete": true},
	})
	if r.status != 200 {
		t.Fatalf("plant: %d %s", r.status, r.raw)
	}
	tok = e.login(castellanID, castellanSec)
	s := secretsOf(t, e.list(tok))
	if s["PROXMOX_TOKEN_ID"]["secretValue"] != "  planted  " || s["PROXMOX_TOKEN_ID"]["version"] != 2.0 || s["ESO_CLIENT_ID"] != nil {
		t.Errorf("after plant: %v", s)
	}
	if r := e.do("GET", "/api/v3/secrets/raw/FRESH?workspaceId="+projectID+"&environment=prod&secretPath=/castle/new", bearer(tok), nil); r.status != 200 {
		t.Errorf("planted folder: %d %s", r.status, r.raw)
	}
	if r := e.do("PUT", "/_twin/secrets", nil, map[string]any{"secrets": []map[string]any{{"project": "nope", "env": "prod", "key": "K"}}}); r.status != 400 {
		t.Errorf("bad plant: %d", r.status)
	}

	// Reset with a new config, then back to the original.
	r = e.do("POST", "/_twin/reset", nil, map[string]any{
		"projects":   []map[string]any{{"id": "p1", "slug": "solo", "environments": []string{"e"}}},
		"identities": []map[string]any{},
	})
	if r.status != 200 {
		t.Fatalf("reset with config: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/_twin/state", nil, nil); len(r.body["projects"].([]any)) != 1 || len(r.body["identities"].([]any)) != 0 {
		t.Errorf("after reset: %s", r.raw)
	}
	e.do("POST", "/_twin/reset", nil, nil)
	if r := e.do("GET", "/_twin/state", nil, nil); len(r.body["identities"].([]any)) != 5 {
		t.Errorf("after plain reset: %d identities", len(r.body["identities"].([]any)))
	}
	if r := e.do("POST", "/_twin/reset", nil, map[string]any{"bogus": 1}); r.status != 400 {
		t.Errorf("bad reset config: %d", r.status)
	}

	// Clock.
	r = e.do("POST", "/_twin/clock", nil, map[string]float64{"advanceSeconds": 3600})
	if r.status != 200 || r.body["offsetSeconds"] != 3600.0 {
		t.Errorf("clock: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/_twin/nope", nil, nil); r.status != 404 {
		t.Errorf("unknown control: %d", r.status)
	}
}

func TestLogNeverShowsSecrets(t *testing.T) {
	lw := &lockedWriter{}
	tw, err := New(Options{Log: lw})
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, nil)
	e.srv.Config.Handler = tw
	tok := e.login(castellanID, castellanSec)
	e.list(tok)
	e.do("POST", "/api/v3/secrets/raw/LOGGED?workspaceId="+projectID, bearer(tok), map[string]any{
		"workspaceId": projectID, "environment": "prod", "secretPath": "/castle", "secretValue": "hunter2-value"})
	var out string
	for i := 0; i < 100; i++ { // the line is written after the response
		if out = lw.String(); strings.Contains(out, "POST /api/v3/secrets/raw/LOGGED") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, bad := range []string{castellanSec, tok, "hunter2-value", "iLD4Y", "workspaceId"} {
		if strings.Contains(out, bad) {
			t.Errorf("log shows %q:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, "POST /api/v1/auth/universal-auth/login 200") || !strings.Contains(out, "GET /api/v3/secrets/raw 200") {
		t.Errorf("log lines missing:\n%s", out)
	}
}

type lockedWriter struct {
	mu sync.Mutex
	b  strings.Builder
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
