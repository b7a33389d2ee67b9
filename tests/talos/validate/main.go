// Command validate checks Talos machine configs and secrets bundles with
// Talos's own machinery, built once per supported Talos line (see
// tests/talos/run.sh, which picks the modfile and the build tags).
//
//	validate config [--mode cloud|metal|container] [--type T] [--no-strict] FILE...
//	validate bundle [--version-contract vX.Y] FILE...
//	validate gen --out DIR [--version-contract vX.Y] [--ecdsa-os] [--kubernetes-version V]
//	validate manifests [--out DIR] FILE...
//	validate version
//
// config, bundle and manifests print one line per file, "ok FILE ..." or
// "FAIL FILE: reason", and exit 1 if any file failed (2 on usage errors).
// A test tool only: nothing here is product logic.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/cosi-project/runtime/pkg/state"
	"github.com/cosi-project/runtime/pkg/state/impl/inmem"
	"github.com/cosi-project/runtime/pkg/state/impl/namespaced"
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/configloader"
	"github.com/siderolabs/talos/pkg/machinery/config/validation"
)

const machineryPath = "github.com/siderolabs/talos/pkg/machinery"

func main() {
	if len(os.Args) < 2 {
		usage()
	}

	args := os.Args[2:]

	var rc int

	switch os.Args[1] {
	case "config":
		rc = cmdConfig(args)
	case "bundle":
		rc = cmdBundle(args)
	case "gen":
		rc = cmdGen(args)
	case "manifests":
		rc = cmdManifests(args)
	case "version":
		fmt.Println(machineryVersion())
	default:
		usage()
	}

	os.Exit(rc)
}

func usage() {
	fmt.Fprintln(os.Stderr, `usage: validate config [--mode cloud|metal|container] [--type init|controlplane|worker] [--no-strict] FILE...
       validate bundle [--version-contract vX.Y] FILE...
       validate gen --out DIR [--version-contract vX.Y] [--ecdsa-os] [--kubernetes-version V]
       validate manifests [--out DIR] FILE...
       validate version`)
	os.Exit(2)
}

// machineryVersion is the machinery module version this binary was built with.
func machineryVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == machineryPath {
				return dep.Version
			}
		}
	}

	return "unknown"
}

// runtimeMode mirrors the three modes of Talos's internal runtime.Mode
// (internal/app/machined/pkg/runtime/mode.go): only metal requires an
// install, only container runs in a container. The nocloud platform, which
// Talos uses on Proxmox, reports ModeCloud.
type runtimeMode string

func (m runtimeMode) String() string        { return string(m) }
func (m runtimeMode) RequiresInstall() bool { return m == "metal" }
func (m runtimeMode) InContainer() bool     { return m == "container" }

var _ validation.RuntimeMode = runtimeMode("")

func parseMode(s string) (runtimeMode, error) {
	switch s {
	case "cloud", "metal", "container":
		return runtimeMode(s), nil
	}

	return "", fmt.Errorf("unknown runtime mode %q (cloud, metal or container)", s)
}

// installedMode is the mode for the runtime pass: like Talos's modeWrapper
// for an installed node, it does not require an install, so that
// RuntimeValidate does not try to match the install disk against the
// disks of a machine that is not here.
type installedMode struct{ runtimeMode }

func (installedMode) RequiresInstall() bool { return false }

var (
	spaces = regexp.MustCompile(`\s+`)
	// base64 key material, as quoted back by the decoder
	secretish = regexp.MustCompile(`[A-Za-z0-9+/_-]{40,}={0,2}`)
)

// maxReason keeps a line readable; it also keeps secrets that the decoder
// quotes back (unknown keys are printed with their values) out of logs.
const maxReason = 400

// oneLine folds a (multi)error into one line: multierror prints a list.
func oneLine(err error) string {
	s := err.Error()
	s = strings.ReplaceAll(s, "\n\t* ", " * ")
	s = strings.TrimSpace(spaces.ReplaceAllString(s, " "))
	s = secretish.ReplaceAllStringFunc(s, func(m string) string {
		if strings.ContainsAny(m, "0123456789") && strings.ToLower(m) != m && strings.ToUpper(m) != m {
			return "<redacted>"
		}

		return m
	})

	if len(s) > maxReason {
		s = s[:maxReason] + " [...]"
	}

	return s
}

func fail(file string, format string, a ...any) {
	fmt.Printf("FAIL %s: %s\n", file, fmt.Sprintf(format, a...))
}

func cmdConfig(args []string) int {
	fs := flag.NewFlagSet("config", flag.ExitOnError)
	modeName := fs.String("mode", "cloud", "runtime mode to validate in (nocloud on Proxmox is cloud)")
	wantType := fs.String("type", "", "fail unless machine.type is this")
	noStrict := fs.Bool("no-strict", false, "do not count warnings as failures")
	fs.Parse(args) //nolint:errcheck

	mode, err := parseMode(*modeName)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)

		return 2
	}

	if fs.NArg() == 0 {
		usage()
	}

	rc := 0

	for _, file := range fs.Args() {
		if !checkConfig(file, mode, *wantType, !*noStrict) {
			rc = 1
		}
	}

	return rc
}

func checkConfig(file string, mode runtimeMode, wantType string, strict bool) bool {
	cfg, err := configloader.NewFromFile(file)
	if err != nil {
		fail(file, "load: %s", oneLine(err))

		return false
	}

	machineType := "none"
	if cfg.Machine() != nil {
		machineType = cfg.Machine().Type().String()
	}

	// What machined does with a config it receives: Validate(platform mode),
	// no options (so the Kubernetes version checks run, unlike talosctl's
	// local mode).
	warnings, err := cfg.Validate(mode)
	if err != nil {
		fail(file, "validate (%s mode, type %s): %s", mode, machineType, oneLine(err))

		return false
	}

	if strict {
		if _, err = cfg.Validate(mode, validation.WithStrict()); err != nil {
			fail(file, "strict validate (%s mode, type %s): %s", mode, machineType, oneLine(err))

			return false
		}
	}

	// The checks machined runs with its state at hand (≤ 1.13: the
	// Kubernetes version of the kubelet and control plane images lives
	// here). An empty in-memory state stands in for the node's.
	var opts []validation.Option
	if strict {
		opts = append(opts, validation.WithStrict())
	}

	st := state.WrapCore(namespaced.NewState(inmem.Build))

	rtWarnings, err := cfg.RuntimeValidate(context.Background(), st, installedMode{mode}, opts...)
	if err == nil && strict && len(rtWarnings) > 0 {
		err = fmt.Errorf("warnings: %s", strings.Join(rtWarnings, "; "))
	}

	if err != nil {
		fail(file, "runtime validate (%s mode, type %s): %s", mode, machineType, oneLine(err))

		return false
	}

	warnings = append(warnings, rtWarnings...)

	if wantType != "" && machineType != wantType {
		fail(file, "machine type is %s, want %s", machineType, wantType)

		return false
	}

	note := ""
	if !strict && len(warnings) > 0 {
		note = fmt.Sprintf(" warnings=%q", warnings)
	}

	fmt.Printf("ok %s type=%s mode=%s strict=%t docs=%d%s\n", file, machineType, mode, strict, len(cfg.Documents()), note)

	return true
}

func cmdManifests(args []string) int {
	fs := flag.NewFlagSet("manifests", flag.ExitOnError)
	out := fs.String("out", "", "write each inline manifest to DIR/<file>--<name>.yaml instead of stdout")
	fs.Parse(args) //nolint:errcheck

	if fs.NArg() == 0 {
		usage()
	}

	rc := 0

	for _, file := range fs.Args() {
		cfg, err := configloader.NewFromFile(file)
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL %s: load: %s\n", file, oneLine(err))
			rc = 1

			continue
		}

		for _, m := range inlineManifests(cfg) {
			if *out == "" {
				fmt.Printf("# inline manifest %q from %s\n---\n%s\n---\n", m.name, file, strings.TrimSpace(m.contents))

				continue
			}

			base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
			path := filepath.Join(*out, base+"--"+safeName(m.name)+".yaml")

			if err = os.WriteFile(path, []byte(m.contents), 0o644); err != nil {
				fmt.Fprintf(os.Stderr, "FAIL %s: %s\n", file, err)
				rc = 1
			}
		}
	}

	return rc
}

type manifest struct{ name, contents string }

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// keep config imported on every line (inlineManifests lives in per-line files).
var _ config.Provider
