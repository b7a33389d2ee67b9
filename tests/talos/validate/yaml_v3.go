//go:build talos111

package main

import (
	"io"

	"gopkg.in/yaml.v3"
)

// Talos 1.11 reads the bundle with gopkg.in/yaml.v3.
func decodeStrict(r io.Reader, v any) error {
	d := yaml.NewDecoder(r)
	d.KnownFields(true)

	return d.Decode(v)
}

func encodeYAML(v any) ([]byte, error) { return yaml.Marshal(v) }
