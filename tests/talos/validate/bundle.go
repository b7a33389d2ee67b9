package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
)

// cmdBundle: a `talosctl gen secrets` file, loaded the way talosctl loads
// it (secrets.LoadBundle), decoded once more with unknown keys rejected
// (LoadBundle ignores them), then the bundle's own Validate.
func cmdBundle(args []string) int {
	fs := flag.NewFlagSet("bundle", flag.ExitOnError)
	contract := fs.String("version-contract", "", "version contract for Validate on 1.14+ (default: this line's current)")
	fs.Parse(args) //nolint:errcheck

	if fs.NArg() == 0 {
		usage()
	}

	vc, err := parseContract(*contract)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)

		return 2
	}

	rc := 0

	for _, file := range fs.Args() {
		b, err := secrets.LoadBundle(file)
		if err != nil {
			fail(file, "load: %s", oneLine(err))
			rc = 1

			continue
		}

		raw, err := os.ReadFile(file)
		if err == nil {
			err = decodeStrict(bytes.NewReader(raw), &secrets.Bundle{})
		}

		if err != nil {
			fail(file, "strict decode: %s", oneLine(err))
			rc = 1

			continue
		}

		if err = validateBundle(b, vc); err != nil {
			fail(file, "validate: %s", oneLine(err))
			rc = 1

			continue
		}

		fmt.Printf("ok %s\n", file)
	}

	return rc
}

// parseContract: "" is the machinery's current contract (nil).
func parseContract(s string) (*config.VersionContract, error) {
	if s == "" {
		return config.TalosVersionCurrent, nil
	}

	return config.ParseContractFromVersion(s)
}
