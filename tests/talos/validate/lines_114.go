//go:build talos114

package main

import (
	"github.com/siderolabs/talos/pkg/machinery/config"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
)

// Talos 1.14: Bundle.Validate checks against a version contract.
func validateBundle(b *secrets.Bundle, vc *config.VersionContract) error { return b.Validate(vc) }

// Talos 1.14: KubeInlineManifestConfig documents plus the deprecated
// .cluster.inlineManifests, merged by the container.
func inlineManifests(cfg config.Provider) []manifest {
	var out []manifest

	for _, m := range cfg.K8sInlineManifestConfigs() {
		out = append(out, manifest{m.Name(), m.Contents()})
	}

	return out
}
