// Command twin serves the Infisical and Proxmox VE twins over HTTPS for
// castellan's tests, on one port: Proxmox under /api2/ (control API under
// /_twin/pve/), Infisical everywhere else (control API under /_twin/).
//
//	twin --dir DIR [--listen 127.0.0.1:0] [--config FILE] [--proxmox-config FILE] [--san NAME]... [--quiet]
//
// It makes a throwaway ECDSA P-256 CA and a server certificate (DNS
// infisical.twin, pve.twin, localhost; IP 127.0.0.1, plus --san and the
// listen address), writes DIR/ca.pem, listens, then writes DIR/addr (the
// host:port, no newline) so scripts can wait for that file. It logs one line
// per request to stderr and exits 0 on SIGTERM or SIGINT, removing DIR/addr.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"castellan/twin/infisical"
	"castellan/twin/proxmox"
	"castellan/twin/tlsca"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stderr))
}

type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("twin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory for ca.pem and addr (created if missing)")
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	cfgPath := fs.String("config", "", "JSON file seeding the Infisical state (default: built-in homelab/prod config)")
	pveCfgPath := fs.String("proxmox-config", "", "JSON file seeding the Proxmox state (default: built-in pve1/pve2 config)")
	quiet := fs.Bool("quiet", false, "no per-request log lines")
	var sans listFlag
	fs.Var(&sans, "san", "extra DNS name or IP for the server certificate (repeatable, comma-separated)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *dir == "" || fs.NArg() != 0 {
		fmt.Fprintln(stderr, "usage: twin --dir DIR [--listen ADDR] [--config FILE] [--proxmox-config FILE] [--san NAME]... [--quiet]")
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "twin: %v\n", err)
		return 1
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fail(err)
	}

	opts := infisical.Options{ConfigPath: *cfgPath}
	if !*quiet {
		opts.Log = stderr
	}
	tw, err := infisical.New(opts)
	if err != nil {
		return fail(err)
	}
	pveOpts := proxmox.Options{ConfigPath: *pveCfgPath, OnBoot: simulatedESO(tw)}
	if !*quiet {
		pveOpts.Log = stderr
	}
	pve, err := proxmox.New(pveOpts)
	if err != nil {
		return fail(err)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail(err)
	}
	defer ln.Close()
	if ta, ok := ln.Addr().(*net.TCPAddr); ok && !ta.IP.IsUnspecified() {
		sans = append(sans, ta.IP.String())
	}
	ca, tlsCfg, err := tlsca.ServerTLS(sans...)
	if err != nil {
		return fail(err)
	}
	if err := writeFileAtomic(filepath.Join(*dir, "ca.pem"), ca.CertPEM); err != nil {
		return fail(err)
	}

	srv := &http.Server{
		Handler:           both(tw, pve),
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(stderr, "twin: ", 0),
		// HTTP/1.1 only, like castellan's libcurl; connection drops need it.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(tls.NewListener(ln, tlsCfg)) }()

	addrFile := filepath.Join(*dir, "addr")
	if err := writeFileAtomic(addrFile, []byte(ln.Addr().String())); err != nil {
		return fail(err)
	}
	defer os.Remove(addrFile)
	fmt.Fprintf(stderr, "twin: infisical and proxmox twins on https://%s (CA %s)\n", ln.Addr(), filepath.Join(*dir, "ca.pem"))

	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			return fail(err)
		}
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		srv.Close()
	}
	fmt.Fprintln(stderr, "twin: stopped")
	return 0
}

// both sends /api2/... and /_twin/pve/... to the Proxmox twin and the rest
// to the Infisical twin.
func both(inf, pve http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/api2" || strings.HasPrefix(p, "/api2/") || p == "/_twin/pve" || strings.HasPrefix(p, "/_twin/pve/") {
			pve.ServeHTTP(w, r)
			return
		}
		inf.ServeHTTP(w, r)
	})
}

func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
