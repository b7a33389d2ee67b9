// Package sdkcheck runs the official Infisical Go SDK
// (github.com/infisical/go-sdk), used the normal way, against the twin over
// HTTPS with the twin's CA, so the twin cannot drift from what a real client
// sends and expects. It is its own package because the SDK's dependency tree
// (AWS, GCP, gRPC, OCI) takes a while to compile the first time.
package sdkcheck

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/infisical/go-sdk"
	sdkerrors "github.com/infisical/go-sdk/packages/errors"

	"castellan/twin/infisical"
	"castellan/twin/tlsca"
	"castellan/twin/twinkit/twintest"
)

// The sample config's fixtures.
const (
	projectID    = infisical.DefaultProjectID
	otherProject = "78f22672-7e65-4a36-8501-ce3023550c6b"
	castellanID  = infisical.DefaultClientID
	castellanSec = infisical.DefaultClientSecret
	readerID     = "9adfcf70-cd41-447a-bf25-5de3d5ec0564"
	readerSec    = "c005082197eb21a3ebe3956f70581d7734d7e8b33309c6e33bfdf07009420cd8"
)

type env struct {
	base string
	ca   *tlsca.CA
	hc   *http.Client
	t    *testing.T
}

func start(t *testing.T, edit func(*infisical.Config)) *env {
	t.Helper()
	c, err := infisical.LoadConfig("../testdata/infisical.json")
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	tw, err := infisical.New(infisical.Options{Config: c})
	if err != nil {
		t.Fatal(err)
	}
	srv, ca, _ := twintest.ServeTLS(t, tw)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool()}}}
	return &env{base: srv.URL, ca: ca, hc: hc, t: t}
}

// control calls the twin's /_twin/ API.
func (e *env) control(method, path string, body any) map[string]any {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = strings.NewReader(string(j))
	}
	req, _ := http.NewRequest(method, e.base+path, rd)
	res, err := e.hc.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return out
}

// requests is the twin's request log.
func (e *env) requests() []map[string]any {
	var out []map[string]any
	for _, x := range e.control("GET", "/_twin/requests", nil)["requests"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func newSDK(t *testing.T, e *env, autoRefresh bool) sdk.InfisicalClientInterface {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return sdk.NewInfisicalClient(ctx, sdk.Config{
		SiteUrl:          e.base, // the SDK appends /api
		CaCertificate:    string(e.ca.CertPEM),
		SilentMode:       true,
		AutoTokenRefresh: sdk.BoolPtr(autoRefresh),
	})
}

func apiErr(t *testing.T, err error, status int, message string) {
	t.Helper()
	var ae *sdkerrors.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an APIError %d, got %v", status, err)
	}
	if ae.StatusCode != status || (message != "" && ae.ErrorMessage != message) {
		t.Errorf("APIError %d %q, want %d %q", ae.StatusCode, ae.ErrorMessage, status, message)
	}
}

func TestSDKUniversalAuthAndSecrets(t *testing.T) {
	e := start(t, nil)
	c := newSDK(t, e, false)

	cred, err := c.Auth().UniversalAuthLogin(castellanID, castellanSec)
	if err != nil {
		t.Fatal(err)
	}
	if cred.AccessToken == "" || cred.ExpiresIn != 3600 || cred.AccessTokenMaxTTL != 7200 || cred.TokenType != "Bearer" {
		t.Errorf("credential %+v", cred)
	}

	list, err := c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range list {
		got[s.SecretKey] = s.SecretValue
	}
	if len(got) != 5 || got["TALOS_SECRETBOX_KEY"] != "iLD4Y/JXjOA4fXy5GLVEGJZusfv4R/3PT3JWRckXwBA=" || got["PROXMOX_TOKEN_ID"] != "castellan@pve!castellan" {
		t.Errorf("list: %v", got)
	}

	bySlug, err := c.Secrets().ListSecrets(sdk.ListSecretsOptions{ProjectSlug: "homelab", Environment: "prod", SecretPath: "/castle", IncludeImports: true})
	if err != nil || len(bySlug.Secrets) != 5 {
		t.Errorf("list by slug: %d, %v", len(bySlug.Secrets), err)
	}
	rec, err := c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/", Recursive: true})
	if err != nil || len(rec) != 6 {
		t.Fatalf("recursive: %d, %v", len(rec), err)
	}
	for _, s := range rec {
		if s.SecretKey == "TALOS_NOTE" && (s.SecretPath != "/castle/talos" || s.SecretValue != "line one\nline \"two\"\nüñï-côdé ✓\n") {
			t.Errorf("recursive item %+v", s)
		}
	}
	if none, err := c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "nope"}); err != nil || len(none) != 0 {
		t.Errorf("unknown environment: %v %v", none, err)
	}

	one, err := c.Secrets().Retrieve(sdk.RetrieveSecretOptions{SecretKey: "PROXMOX_TOKEN_SECRET", ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	if err != nil || one.SecretValue != "7b5f1656-dbe1-4d05-ad0e-d854676096ac" || one.Version != 1 || one.Type != "shared" {
		t.Errorf("retrieve: %+v %v", one, err)
	}
	if _, err := c.Secrets().Retrieve(sdk.RetrieveSecretOptions{SecretKey: "proxmox_token_secret", ProjectSlug: "homelab", Environment: "prod", SecretPath: "/castle"}); err != nil {
		apiErr(t, err, 404, "Secret not found")
	} else {
		t.Error("names are case-sensitive")
	}

	created, err := c.Secrets().Create(sdk.CreateSecretOptions{SecretKey: "CANARY_ECHO", ProjectID: projectID, Environment: "prod", SecretPath: "/castle", SecretValue: "  echo\n"})
	if err != nil || created.SecretValue != "echo\n" || created.Version != 1 {
		t.Fatalf("create: %+v %v", created, err)
	}
	_, err = c.Secrets().Create(sdk.CreateSecretOptions{SecretKey: "CANARY_ECHO", ProjectID: projectID, Environment: "prod", SecretPath: "/castle", SecretValue: "x"})
	apiErr(t, err, 400, "Secret already exist")

	updated, err := c.Secrets().Update(sdk.UpdateSecretOptions{SecretKey: "CANARY_ECHO", ProjectID: projectID, Environment: "prod", SecretPath: "/castle", NewSecretValue: "echo 2"})
	if err != nil || updated.Version != 2 || updated.SecretValue != "echo 2" {
		t.Errorf("update: %+v %v", updated, err)
	}
	one, err = c.Secrets().Retrieve(sdk.RetrieveSecretOptions{SecretKey: "CANARY_ECHO", ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	if err != nil || one.SecretValue != "echo 2" || one.Version != 2 {
		t.Errorf("retrieve after update: %+v %v", one, err)
	}

	batch, err := c.Secrets().Batch().Create(sdk.BatchCreateSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/castle",
		Secrets: []sdk.BatchCreateSecret{{SecretKey: "BATCH_A", SecretValue: "a"}, {SecretKey: "BATCH_B", SecretValue: "b"}}})
	if err != nil || len(batch) != 2 || batch[1].SecretValue != "b" {
		t.Errorf("batch: %+v %v", batch, err)
	}

	deleted, err := c.Secrets().Delete(sdk.DeleteSecretOptions{SecretKey: "CANARY_ECHO", ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	if err != nil || deleted.SecretKey != "CANARY_ECHO" || deleted.SecretValue != "echo 2" {
		t.Errorf("delete: %+v %v", deleted, err)
	}
	_, err = c.Secrets().Retrieve(sdk.RetrieveSecretOptions{SecretKey: "CANARY_ECHO", ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	apiErr(t, err, 404, "Secret not found")

	if err := c.Auth().RevokeAccessToken(); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	c.Auth().SetAccessToken(cred.AccessToken)
	_, err = c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	apiErr(t, err, 401, "No identity access token found")

	var sawRevoke bool
	for _, m := range e.requests() {
		if m["path"] == "/api/v1/auth/token/revoke" && m["status"] == 200.0 {
			sawRevoke = true
		}
	}
	if !sawRevoke {
		t.Error("no revoke in the request log")
	}
}

func TestSDKErrors(t *testing.T) {
	e := start(t, nil)
	c := newSDK(t, e, false)
	_, err := c.Auth().UniversalAuthLogin(castellanID, readerSec)
	apiErr(t, err, 401, "Invalid credentials")
	_, err = c.Auth().UniversalAuthLogin("00000000-0000-4000-8000-000000000000", castellanSec)
	apiErr(t, err, 404, "No identity with specified client ID was found")

	if _, err := c.Auth().UniversalAuthLogin(readerID, readerSec); err != nil {
		t.Fatal(err)
	}
	if l, err := c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/castle"}); err != nil || len(l) != 5 {
		t.Errorf("viewer list: %d %v", len(l), err)
	}
	_, err = c.Secrets().Create(sdk.CreateSecretOptions{SecretKey: "NOPE", ProjectID: projectID, Environment: "prod", SecretPath: "/castle", SecretValue: "x"})
	apiErr(t, err, 403, "You are not allowed to create on secrets")
	_, err = c.Secrets().List(sdk.ListSecretsOptions{ProjectID: otherProject, Environment: "dev"})
	apiErr(t, err, 403, "You are not allowed to access this resource")
	_, err = c.Secrets().List(sdk.ListSecretsOptions{ProjectSlug: "nope", Environment: "prod"})
	apiErr(t, err, 500, "Something went wrong")
}

// The SDK renews a token close to its TTL (renewal buffer 5 s): with a 6 s
// TTL it renews after a second, through POST /api/v1/auth/token/renew.
func TestSDKRenewsToken(t *testing.T) {
	e := start(t, func(c *infisical.Config) { c.Identities[0].AccessTokenTTL = 6; c.Identities[0].AccessTokenMaxTTL = 600 })
	c := newSDK(t, e, true)
	cred, err := c.Auth().UniversalAuthLogin(castellanID, castellanSec)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1200 * time.Millisecond)
	if _, err := c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/castle"}); err != nil {
		t.Fatal(err)
	}
	if c.Auth().GetAccessToken() != cred.AccessToken {
		t.Error("renewal changed the JWT")
	}
	var renewed bool
	for _, m := range e.requests() {
		if m["path"] == "/api/v1/auth/token/renew" && m["status"] == 200.0 {
			renewed = true
		}
	}
	if !renewed {
		t.Error("the SDK never renewed")
	}
}

// A dropped connection is recovered by the SDK's HTTP stack (Go's transport
// retries an idempotent request whose reused connection died; resty retries
// network errors), and the request log shows both attempts.
func TestSDKRetriesDroppedConnection(t *testing.T) {
	e := start(t, nil)
	c := newSDK(t, e, false)
	if _, err := c.Auth().UniversalAuthLogin(castellanID, castellanSec); err != nil {
		t.Fatal(err)
	}
	e.control("POST", "/_twin/faults", map[string]any{"dropConnections": 1, "routes": "/api/v3/secrets"})
	l, err := c.Secrets().List(sdk.ListSecretsOptions{ProjectID: projectID, Environment: "prod", SecretPath: "/castle"})
	if err != nil || len(l) != 5 {
		t.Fatalf("after one drop: %d %v", len(l), err)
	}
	var statuses []string
	for _, m := range e.requests() {
		if strings.HasPrefix(m["path"].(string), "/api/v3/secrets") {
			fault, _ := m["fault"].(string)
			statuses = append(statuses, fmt.Sprintf("%s/%d", fault, int(m["status"].(float64))))
		}
	}
	if len(statuses) != 2 || statuses[0] != "drop/0" || statuses[1] != "/200" {
		t.Errorf("attempts %v", statuses)
	}
}
