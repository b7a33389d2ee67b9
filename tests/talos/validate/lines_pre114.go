//go:build !talos114

package main

import (
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
)

// Talos 1.11 to 1.13: Bundle.Validate takes no version contract.
func validateBundle(b *secrets.Bundle, _ *config.VersionContract) error { return b.Validate() }

// Talos 1.11 to 1.13: inline manifests live only in .cluster.inlineManifests.
func inlineManifests(cfg config.Provider) []manifest {
	if cfg.Cluster() == nil {
		return nil
	}

	var out []manifest

	for _, m := range cfg.Cluster().InlineManifests() {
		out = append(out, manifest{m.Name(), m.Contents()})
	}

	return out
}
