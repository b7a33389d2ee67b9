package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary stand in for the twin binary: with
// TWIN_AS_MAIN=1 it runs main() on its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("TWIN_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	for i := 0; i < 200; i++ {
		if b, err := os.ReadFile(path); err == nil {
			return b
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%s never appeared", path)
	return nil
}

func client(t *testing.T, dir string, maxVersion uint16) *http.Client {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(waitFile(t, filepath.Join(dir, "ca.pem"))) {
		t.Fatal("ca.pem holds no certificate")
	}
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MaxVersion: maxVersion, ServerName: "infisical.twin", NextProtos: []string{"h2", "http/1.1"}},
		ForceAttemptHTTP2: true,
	}}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestRunServesAndStops(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuf
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--dir", dir, "--config", "../../testdata/infisical.json"}, &stderr) }()

	addr := string(waitFile(t, filepath.Join(dir, "addr")))
	if strings.ContainsAny(addr, "\n ") || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("addr %q", addr)
	}
	hc := client(t, dir, tls.VersionTLS12)
	res, err := hc.Get("https://" + addr + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.ProtoMajor != 1 || res.TLS.Version != tls.VersionTLS12 || !bytes.Contains(body, []byte(`"message":"Ok"`)) {
		t.Errorf("status: %d %s %x %s", res.StatusCode, res.Proto, res.TLS.Version, body)
	}
	res, err = hc.Post("https://"+addr+"/api/v1/auth/universal-auth/login", "application/json",
		strings.NewReader(`{"clientId":"3a717a21-d46f-4610-b6cf-d92dd19a5359","clientSecret":"d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("login: %v %v", res, err)
	}
	res.Body.Close()

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return")
	}
	if _, err := os.Stat(filepath.Join(dir, "addr")); !os.IsNotExist(err) {
		t.Error("addr left behind")
	}
	log := stderr.String()
	if !strings.Contains(log, "GET /api/status 200") || !strings.Contains(log, "POST /api/v1/auth/universal-auth/login 200") {
		t.Errorf("log:\n%s", log)
	}
	if strings.Contains(log, "d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf") {
		t.Error("log shows the client secret")
	}
}

func TestSIGTERM(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "--dir", dir, "--quiet")
	cmd.Env = append(os.Environ(), "TWIN_AS_MAIN=1")
	var stderr syncBuf
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := string(waitFile(t, filepath.Join(dir, "addr")))
	res, err := client(t, dir, 0).Get("https://" + addr + "/api/status")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cmd.Process.Signal(syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- cmd.Wait() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, stderr.String())
		}
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no exit after SIGTERM")
	}
	if strings.Contains(stderr.String(), "GET /api/status") {
		t.Error("--quiet still logs requests")
	}
}

func TestUsage(t *testing.T) {
	var stderr syncBuf
	if code := run(context.Background(), nil, &stderr); code != 2 || !strings.Contains(stderr.String(), "usage") {
		t.Errorf("no --dir: %d %s", code, stderr.String())
	}
	if code := run(context.Background(), []string{"--dir", t.TempDir(), "--config", "/nonexistent.json"}, &stderr); code != 1 {
		t.Errorf("bad config: %d", code)
	}
}

func TestBothTwinsOnOnePort(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuf
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"--dir", dir, "--config", "../../testdata/infisical.json", "--proxmox-config", "../../testdata/proxmox.json"}, &stderr)
	}()
	addr := string(waitFile(t, filepath.Join(dir, "addr")))
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(waitFile(t, filepath.Join(dir, "ca.pem")))
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "pve.twin"}}}
	get := func(path, auth string) (int, string) {
		req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/api2/json/cluster/resources?type=vm", "PVEAPIToken=castellan@pve!castellan=7b5f1656-dbe1-4d05-ad0e-d854676096ac"); code != 200 || !strings.Contains(body, `"qemu/901"`) {
		t.Errorf("proxmox: %d %s", code, body)
	}
	if code, body := get("/api/status", ""); code != 200 || !strings.Contains(body, `"message":"Ok"`) {
		t.Errorf("infisical: %d %s", code, body)
	}
	if code, body := get("/_twin/pve/state", ""); code != 200 || !strings.Contains(body, `"vms"`) {
		t.Errorf("pve control: %d %s", code, body)
	}
	if code, body := get("/_twin/state", ""); code != 200 || !strings.Contains(body, `"identities"`) {
		t.Errorf("infisical control: %d %s", code, body)
	}
	cancel()
	<-done
	if log := stderr.String(); !strings.Contains(log, "GET /api2/json/cluster/resources 200") || strings.Contains(log, "7b5f1656-dbe1") {
		t.Errorf("log:\n%s", log)
	}
}
