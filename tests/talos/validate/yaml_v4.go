//go:build !talos111

package main

import (
	"io"

	"go.yaml.in/yaml/v4"
)

// Talos 1.12+ reads the bundle with go.yaml.in/yaml/v4.
func decodeStrict(r io.Reader, v any) error {
	d := yaml.NewDecoder(r)
	d.KnownFields(true)

	return d.Decode(v)
}

func encodeYAML(v any) ([]byte, error) { return yaml.Marshal(v) }
