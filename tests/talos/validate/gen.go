package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/siderolabs/crypto/x509"
	"github.com/siderolabs/talos/pkg/machinery/config/encoder"
	"github.com/siderolabs/talos/pkg/machinery/config/generate"
	"github.com/siderolabs/talos/pkg/machinery/config/generate/secrets"
	"github.com/siderolabs/talos/pkg/machinery/config/machine"
	"github.com/siderolabs/talos/pkg/machinery/constants"
	"github.com/siderolabs/talos/pkg/machinery/gendata"
)

// cmdGen writes what Talos itself generates for this line: secrets.yaml
// (as `talosctl gen secrets`), init/controlplane/worker.yaml (as `talosctl
// gen config`, without doc comments) and talosconfig. Reference only.
func cmdGen(args []string) int {
	fs := flag.NewFlagSet("gen", flag.ExitOnError)
	out := fs.String("out", "", "output directory (required)")
	contract := fs.String("version-contract", "", "version contract, e.g. v1.13 (default: this line's current)")
	ecdsaOS := fs.Bool("ecdsa-os", false, "make the Talos API (OS) CA ECDSA P-256 instead of Talos's default Ed25519")
	k8s := fs.String("kubernetes-version", constants.DefaultKubernetesVersion, "Kubernetes version")
	cluster := fs.String("cluster-name", "castle", "cluster name")
	endpoint := fs.String("endpoint", "https://10.0.0.10:6443", "control plane endpoint")
	// talosctl gen config's defaults; the generate package alone sets neither.
	disk := fs.String("install-disk", "/dev/sda", "machine.install.disk (\"\" for none)")
	image := fs.String("install-image", gendata.ImagesRegistry+"/"+gendata.ImagesUsername+"/installer:"+gendata.VersionTag, "machine.install.image")
	fs.Parse(args) //nolint:errcheck

	if *out == "" || fs.NArg() != 0 {
		usage()
	}

	if err := gen(*out, *contract, *ecdsaOS, *k8s, *cluster, *endpoint, *disk, *image); err != nil {
		fmt.Fprintf(os.Stderr, "gen: %s\n", err)

		return 1
	}

	return 0
}

func gen(out, contract string, ecdsaOS bool, k8s, cluster, endpoint, disk, image string) error {
	vc, err := parseContract(contract)
	if err != nil {
		return err
	}

	if err = os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	clock := secrets.NewClock()

	bundle, err := secrets.NewBundle(clock, vc)
	if err != nil {
		return err
	}

	if ecdsaOS {
		// Same options as secrets.NewTalosCA, plus ECDSA.
		now := clock.Now()

		ca, err := x509.NewSelfSignedCertificateAuthority(
			x509.Organization("talos"),
			x509.NotAfter(now.Add(secrets.CAValidityTime)),
			x509.NotBefore(now),
			x509.ECDSA(true),
		)
		if err != nil {
			return err
		}

		bundle.Certs.OS = &x509.PEMEncodedCertificateAndKey{Crt: ca.CrtPEM, Key: ca.KeyPEM}
	}

	b, err := encodeYAML(bundle)
	if err != nil {
		return err
	}

	if err = os.WriteFile(filepath.Join(out, "secrets.yaml"), b, 0o600); err != nil {
		return err
	}

	opts := []generate.Option{
		generate.WithSecretsBundle(bundle),
		generate.WithInstallDisk(disk),
		generate.WithInstallImage(image),
	}
	if vc != nil {
		opts = append(opts, generate.WithVersionContract(vc))
	}

	in, err := generate.NewInput(cluster, endpoint, k8s, opts...)
	if err != nil {
		return err
	}

	for _, t := range []machine.Type{machine.TypeInit, machine.TypeControlPlane, machine.TypeWorker} {
		cfg, err := in.Config(t)
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}

		b, err := cfg.EncodeBytes(encoder.WithComments(encoder.CommentsDisabled))
		if err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}

		if err = os.WriteFile(filepath.Join(out, t.String()+".yaml"), b, 0o600); err != nil {
			return err
		}
	}

	tc, err := in.Talosconfig()
	if err != nil {
		return err
	}

	b, err = tc.Bytes()
	if err != nil {
		return err
	}

	return os.WriteFile(filepath.Join(out, "talosconfig"), b, 0o600)
}
