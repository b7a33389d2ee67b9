// Command esocheck decodes Kubernetes manifests strictly, the way an API
// server with fieldValidation=Strict would: every YAML document is matched
// by apiVersion/kind to its Go type (ESO's external-secrets.io types,
// client-go's built-in kinds, CRDs) and decoded case-sensitively with
// unknown and duplicate fields as errors. Talos applies inline manifests
// without strict field validation, so a misspelt ESO field is dropped
// silently there; this catches it before it ships.
//
//	esocheck FILE...
//
// A FILE may be plain manifests or a Talos machine config: its
// cluster.inlineManifests (≤ 1.13) and KubeInlineManifestConfig documents
// (1.14) are checked, other Talos documents are skipped. A
// ClusterSecretStore must use the Infisical provider with every field
// castellan relies on set. One line per file, "ok FILE ..." or
// "FAIL FILE: reason"; exit 1 if any file failed. A test tool only.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	esv1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1"
	esv1alpha1 "github.com/external-secrets/external-secrets/apis/externalsecrets/v1alpha1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

var scheme = runtime.NewScheme()

func init() {
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme,
		apiextv1.AddToScheme,
		esv1.AddToScheme,
		esv1alpha1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
}

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		fmt.Fprintln(os.Stderr, "usage: esocheck FILE...")
		os.Exit(2)
	}

	rc := 0

	for _, file := range os.Args[1:] {
		c := &checker{kinds: map[string]int{}}

		data, err := os.ReadFile(file)
		if err == nil {
			err = c.stream(data, "")
		}

		if err != nil {
			fmt.Printf("FAIL %s: %s\n", file, err)
			rc = 1

			continue
		}

		if c.objects == 0 {
			fmt.Printf("FAIL %s: no Kubernetes objects found\n", file)
			rc = 1

			continue
		}

		fmt.Printf("ok %s objects=%d kinds=%s\n", file, c.objects, c.kindList())
	}

	os.Exit(rc)
}

type checker struct {
	objects int
	kinds   map[string]int
}

func (c *checker) kindList() string {
	var out []string
	for k, n := range c.kinds {
		out = append(out, fmt.Sprintf("%s:%d", k, n))
	}

	sort.Strings(out)

	return strings.Join(out, ",")
}

// stream checks every document of a YAML stream; where says where the
// stream came from (an inline manifest's name) for error messages.
func (c *checker) stream(data []byte, where string) error {
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))

	for i := 1; ; i++ {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}

		if err != nil {
			return fmt.Errorf("%sdocument %d: %w", where, i, err)
		}

		if err = c.document(doc, where); err != nil {
			return fmt.Errorf("%sdocument %d: %w", where, i, err)
		}
	}
}

func (c *checker) document(doc []byte, where string) error {
	// duplicate keys are errors here, as in the API server's strict mode
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		return err
	}

	if bytes.Equal(bytes.TrimSpace(js), []byte("null")) {
		return nil // empty document (comments, separators)
	}

	var head struct {
		metav1.TypeMeta `json:",inline"`

		Machine  any                        `json:"machine"`
		Cluster  *struct{ Inline []inline } `json:"cluster"`
		Name     string                     `json:"name"`
		Manifest string                     `json:"manifest"`
	}

	if err = kjson.UnmarshalCaseSensitivePreserveInts(js, &head); err != nil {
		return err
	}

	switch {
	case head.APIVersion == "" && head.Kind == "" && (head.Machine != nil || head.Cluster != nil):
		// Talos v1alpha1 machine config (≤ 1.13 layout, or 1.14's legacy fields)
		var mc struct {
			Cluster struct {
				InlineManifests []inline `json:"inlineManifests"`
			} `json:"cluster"`
		}

		if err = kjson.UnmarshalCaseSensitivePreserveInts(js, &mc); err != nil {
			return err
		}

		for _, m := range mc.Cluster.InlineManifests {
			if err = c.stream([]byte(m.Contents), where+fmt.Sprintf("inline manifest %q ", m.Name)); err != nil {
				return err
			}
		}

		return nil
	case head.APIVersion == "v1alpha1" && head.Kind == "KubeInlineManifestConfig":
		return c.stream([]byte(head.Manifest), where+fmt.Sprintf("KubeInlineManifestConfig %q ", head.Name))
	case head.APIVersion == "v1alpha1":
		return nil // another Talos multi-doc document
	case head.APIVersion == "" || head.Kind == "":
		return fmt.Errorf("apiVersion and kind are required")
	}

	gvk := schema.FromAPIVersionAndKind(head.APIVersion, head.Kind)

	obj, err := scheme.New(gvk)
	if err != nil {
		return fmt.Errorf("%s %s: not a known kind (%w)", head.APIVersion, head.Kind, err)
	}

	label := head.APIVersion + " " + head.Kind

	strictErrs, err := kjson.UnmarshalStrict(js, obj, kjson.DisallowUnknownFields, kjson.DisallowDuplicateFields)
	if err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}

	if len(strictErrs) > 0 {
		msgs := make([]string, len(strictErrs))
		for i, e := range strictErrs {
			msgs[i] = e.Error()
		}

		return fmt.Errorf("%s: strict decoding: %s", label, strings.Join(msgs, "; "))
	}

	if m, ok := obj.(metav1.Object); ok {
		if m.GetName() == "" {
			return fmt.Errorf("%s: metadata.name is empty", label)
		}

		label += " " + m.GetName()
	}

	if err = semantic(obj); err != nil {
		return fmt.Errorf("%s: %w", label, err)
	}

	c.objects++
	c.kinds[head.Kind]++

	return nil
}

type inline struct {
	Name     string `json:"name"`
	Contents string `json:"contents"`
}

// semantic: what castellan relies on beyond the schema.
func semantic(obj runtime.Object) error {
	switch o := obj.(type) {
	case *esv1.ClusterSecretStore:
		return infisical(o.Spec.Provider)
	case *esv1.ExternalSecret:
		ref := o.Spec.SecretStoreRef
		if ref.Name == "" {
			return errors.New("spec.secretStoreRef.name is empty")
		}
	}

	return nil
}

func infisical(p *esv1.SecretStoreProvider) error {
	if p == nil || p.Infisical == nil {
		return errors.New("spec.provider.infisical is missing")
	}

	inf := p.Infisical

	var missing []string

	need := func(path, v string) {
		if v == "" {
			missing = append(missing, path)
		}
	}

	if u := inf.Auth.UniversalAuthCredentials; u == nil {
		missing = append(missing, "auth.universalAuthCredentials")
	} else {
		for _, ref := range []struct {
			path string
			sel  *esv1MetaSelector
		}{
			{"auth.universalAuthCredentials.clientId", selector(u.ClientID.Name, u.ClientID.Key, u.ClientID.Namespace)},
			{"auth.universalAuthCredentials.clientSecret", selector(u.ClientSecret.Name, u.ClientSecret.Key, u.ClientSecret.Namespace)},
		} {
			need(ref.path+".name", ref.sel.name)
			need(ref.path+".key", ref.sel.key)
			need(ref.path+".namespace", ref.sel.namespace)
		}
	}

	need("secretsScope.projectSlug", inf.SecretsScope.ProjectSlug)
	need("secretsScope.environmentSlug", inf.SecretsScope.EnvironmentSlug)
	need("secretsScope.secretsPath", inf.SecretsScope.SecretsPath)
	need("hostAPI", inf.HostAPI)

	if len(missing) > 0 {
		return fmt.Errorf("spec.provider.infisical: empty or missing: %s", strings.Join(missing, ", "))
	}

	return nil
}

type esv1MetaSelector struct{ name, key, namespace string }

func selector(name, key string, namespace *string) *esv1MetaSelector {
	s := &esv1MetaSelector{name: name, key: key}
	if namespace != nil {
		s.namespace = *namespace
	}

	return s
}
