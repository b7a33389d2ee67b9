package infisical

import (
	"net/url"
	"sort"
	"strings"
	"testing"
)

var listItemKeys = []string{"id", "_id", "workspace", "environment", "version", "type", "secretKey", "secretValue",
	"secretComment", "secretReminderNote", "secretReminderRepeatDays", "skipMultilineEncoding", "metadata",
	"createdAt", "updatedAt", "secretPath", "tags"}

func secretsOf(t *testing.T, r *resp) map[string]map[string]any {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.raw)
	}
	out := map[string]map[string]any{}
	arr, ok := r.body["secrets"].([]any)
	if !ok {
		t.Fatalf("no secrets array: %s", r.raw)
	}
	for _, x := range arr {
		m := x.(map[string]any)
		out[m["secretKey"].(string)] = m
	}
	return out
}

func TestListShapes(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	r := e.list(tok)
	s := secretsOf(t, r)
	if len(s) != 5 {
		t.Fatalf("got %d secrets: %s", len(s), r.raw)
	}
	if _, ok := r.body["imports"]; ok {
		t.Error("imports present without include_imports")
	}
	x := s["TALOS_SECRETBOX_KEY"]
	if !sameSet(keys(x), listItemKeys) {
		t.Errorf("item keys %v", keys(x))
	}
	if x["secretValue"] != "iLD4Y/JXjOA4fXy5GLVEGJZusfv4R/3PT3JWRckXwBA=" || x["secretPath"] != "/castle" ||
		x["workspace"] != projectID || x["environment"] != "prod" || x["type"] != "shared" || x["version"] != 1.0 ||
		x["id"] != x["_id"] || x["metadata"] != nil || x["secretReminderNote"] != nil {
		t.Errorf("item %v", x)
	}
	var order []string
	for _, it := range r.body["secrets"].([]any) {
		order = append(order, it.(map[string]any)["secretKey"].(string))
	}
	if sort.StringsAreSorted(order) {
		t.Errorf("list is alphabetical (%v); the real one is not", order)
	}

	bySlug := e.do("GET", "/api/v3/secrets/raw?workspaceSlug=homelab&environment=prod&secretPath=/castle", bearer(tok), nil)
	if len(secretsOf(t, bySlug)) != 5 {
		t.Errorf("by slug: %s", bySlug.raw)
	}
	imp := e.do("GET", "/api/v3/secrets/raw?workspaceId="+projectID+"&environment=prod&secretPath=/castle&include_imports=true", bearer(tok), nil)
	if a, ok := imp.body["imports"].([]any); !ok || len(a) != 0 {
		t.Errorf("include_imports: %s", imp.raw)
	}

	// recursive: every folder below, each item naming its folder.
	rec := e.do("GET", "/api/v3/secrets/raw?workspaceId="+projectID+"&environment=prod&secretPath=/&recursive=true", bearer(tok), nil)
	rs := secretsOf(t, rec)
	if len(rs) != 6 || rs["TALOS_NOTE"]["secretPath"] != "/castle/talos" || rs["PROXMOX_TOKEN_ID"]["secretPath"] != "/castle" {
		t.Errorf("recursive: %s", rec.raw)
	}
	// trailing slash is removed from secretPath
	if n := len(secretsOf(t, e.do("GET", "/api/v3/secrets/raw?workspaceId="+projectID+"&environment=prod&secretPath=/castle/", bearer(tok), nil))); n != 5 {
		t.Errorf("secretPath=/castle/: %d secrets", n)
	}
}

func TestListQuirks(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	get := func(q string) *resp { return e.do("GET", "/api/v3/secrets/raw?"+q, bearer(tok), nil) }
	empty := `{"secrets":[],"imports":[]}`
	for _, q := range []string{
		"workspaceId=" + projectID + "&environment=nope",
		"workspaceId=" + projectID + "&environment=prod&secretPath=/nope",
		"workspaceId=" + projectID + "&environment=prod&secretPath=",
	} {
		if r := get(q); r.status != 200 || string(r.raw) != empty {
			t.Errorf("%s: %d %s", q, r.status, r.raw)
		}
	}
	get("workspaceId="+projectID).expectErr(t, 400, "BadRequest", "Missing workspace id or environment")
	get("environment=prod").expectErr(t, 400, "BadRequest", "Missing workspace id or environment")
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "homelab"} {
		get("workspaceId="+id+"&environment=prod").expectErr(t, 404, "NotFound",
			"Project not found during bot lookup. Are you sure you are using the correct project ID?")
	}
	get("workspaceSlug=nope&environment=prod").expectErr(t, 500, "Failed to find project by slug", "Something went wrong")
	get("workspaceId="+otherProject+"&environment=dev").expectErr(t, 403,
		"Identity is not a member of the specified project", "You are not allowed to access this resource")
	r := get("workspaceId=" + projectID + "&environment=prod&recursive=yes")
	r.expectErr(t, 401, "ValidationFailure", nil)
	if is := r.issues(t)[0].(map[string]any); is["code"] != "invalid_enum_value" {
		t.Errorf("issue %v", is)
	}
}

func TestGetOne(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	base := "/api/v3/secrets/raw/"
	q := "?workspaceId=" + projectID + "&environment=prod&secretPath=/castle"
	r := e.do("GET", base+"PROXMOX_TOKEN_ID"+q, bearer(tok), nil)
	if r.status != 200 {
		t.Fatalf("get: %d %s", r.status, r.raw)
	}
	s := r.body["secret"].(map[string]any)
	if s["secretValue"] != "castellan@pve!castellan" || s["secretPath"] != nil || s["tags"] == nil {
		t.Errorf("secret %v", s)
	}
	if r := e.do("GET", base+"PROXMOX_TOKEN_ID?workspaceSlug=homelab&environment=prod&secretPath=/castle&type=shared&version=1", bearer(tok), nil); r.status != 200 {
		t.Errorf("by slug with version: %d %s", r.status, r.raw)
	}
	e.do("GET", base+"proxmox_token_id"+q, bearer(tok), nil).expectErr(t, 404, "NotFound", "Secret not found")
	e.do("GET", base+"PROXMOX_TOKEN_ID?workspaceId="+projectID+"&environment=nope", bearer(tok), nil).
		expectErr(t, 404, "Create secret", "Folder not found for the given environment slug & secret path")
	e.do("GET", base+"PROXMOX_TOKEN_ID?workspaceId="+projectID, bearer(tok), nil).expectErr(t, 400, "BadRequest", "Missing environment")
}

func TestCreateTrimsValues(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	cases := []struct{ in, want string }{
		{"  padded  ", "padded"},
		{"keeps newline\n", "keeps newline\n"},
		{"  \tboth \n\n", "both\n"},
		{" \t ", ""},
		{"multi\n line\r\nvalue", "multi\n line\r\nvalue"},
		{`quoted "value" with 'quotes' and \backslash`, `quoted "value" with 'quotes' and \backslash`},
		{"ütf-8 ✓ 日本 \u2028 <&>", "ütf-8 ✓ 日本 \u2028 <&>"},
		{"-----BEGIN X-----\nAAAA\n-----END X-----\n", "-----BEGIN X-----\nAAAA\n-----END X-----\n"},
	}
	for i, c := range cases {
		name := "V" + string(rune('A'+i))
		r := e.do("POST", "/api/v3/secrets/raw/"+name, bearer(tok), map[string]any{
			"workspaceId": projectID, "environment": "prod", "secretPath": "/castle", "secretValue": c.in,
		})
		if r.status != 200 {
			t.Fatalf("create %q: %d %s", c.in, r.status, r.raw)
		}
		if got := r.body["secret"].(map[string]any)["secretValue"]; got != c.want {
			t.Errorf("create %q answered %q, want %q", c.in, got, c.want)
		}
		g := e.do("GET", "/api/v3/secrets/raw/"+name+"?workspaceId="+projectID+"&environment=prod&secretPath=/castle", bearer(tok), nil)
		if got := g.body["secret"].(map[string]any)["secretValue"]; got != c.want {
			t.Errorf("read back %q, want %q", got, c.want)
		}
	}
	if r := e.do("GET", "/api/v3/secrets/raw/VG?workspaceId="+projectID+"&environment=prod&secretPath=/castle", bearer(tok), nil); !strings.Contains(string(r.raw), "<&>") || !strings.Contains(string(r.raw), "\u2028") {
		t.Errorf("JSON escapes like Go, not like JavaScript: %s", r.raw)
	}
}

func TestWrites(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	reader := e.login(readerID, readerSec)
	outsider := e.login(outsiderID, outsiderSec)
	body := func(extra map[string]any) map[string]any {
		m := map[string]any{"workspaceId": projectID, "environment": "prod", "secretPath": "/castle"}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	p := "/api/v3/secrets/raw/CANARY"

	e.do("POST", p, bearer(reader), body(map[string]any{"secretValue": "x"})).
		expectErr(t, 403, "PermissionDenied", "You are not allowed to create on secrets")
	e.do("POST", p, bearer(outsider), body(map[string]any{"secretValue": "x"})).
		expectErr(t, 403, "Identity is not a member of the specified project", "You are not allowed to access this resource")
	e.do("POST", p, bearer(tok), map[string]any{"workspaceId": projectID, "environment": "nope", "secretValue": "x"}).
		expectErr(t, 404, "Create secret", "Folder not found for the given environment slug & secret path")
	e.do("POST", p, bearer(tok), body(nil)).expectErr(t, 401, "ValidationFailure", nil)

	r := e.do("POST", p, bearer(tok), body(map[string]any{"secretValue": "one", "secretComment": "c"}))
	if r.status != 200 || r.body["secret"].(map[string]any)["version"] != 1.0 {
		t.Fatalf("create: %d %s", r.status, r.raw)
	}
	e.do("POST", p, bearer(tok), body(map[string]any{"secretValue": "again"})).expectErr(t, 400, "BadRequest", "Secret already exist")

	r = e.do("PATCH", p, bearer(tok), body(map[string]any{"secretValue": "two"}))
	s := r.body["secret"].(map[string]any)
	if r.status != 200 || s["version"] != 2.0 || s["secretValue"] != "two" {
		t.Fatalf("update: %d %s", r.status, r.raw)
	}
	// A comment-only update answers secretValue "" (the request's value), stores the old one.
	r = e.do("PATCH", p, bearer(tok), body(map[string]any{"secretComment": "new comment"}))
	if s := r.body["secret"].(map[string]any); s["secretValue"] != "" || s["version"] != 3.0 {
		t.Errorf("comment-only update answered %s", r.raw)
	}
	g := e.do("GET", p+"?workspaceId="+projectID+"&environment=prod&secretPath=/castle", bearer(tok), nil)
	if s := g.body["secret"].(map[string]any); s["secretValue"] != "two" || s["secretComment"] != "new comment" {
		t.Errorf("after comment update: %s", g.raw)
	}
	e.do("PATCH", p, bearer(reader), body(map[string]any{"secretValue": "x"})).
		expectErr(t, 403, "PermissionDenied", "You are not allowed to edit on secrets")
	e.do("PATCH", "/api/v3/secrets/raw/NOPE", bearer(tok), body(map[string]any{"secretValue": "x"})).
		expectErr(t, 404, "NotFound", "Secret not found")
	e.do("PATCH", p, bearer(tok), map[string]any{"workspaceId": projectID, "environment": "nope", "secretValue": "x"}).
		expectErr(t, 404, "UpdateSecret", "Folder not found for the given environment slug & secret path")
	e.do("PATCH", p, bearer(tok), body(map[string]any{"newSecretName": "PROXMOX_TOKEN_ID"})).
		expectErr(t, 400, "BadRequest", "Secret with the new name already exist")

	e.do("DELETE", p, bearer(reader), body(nil)).
		expectErr(t, 403, "PermissionDenied", "You are not allowed to delete on secrets")
	r = e.do("DELETE", p, bearer(tok), body(nil))
	if s := r.body["secret"].(map[string]any); r.status != 200 || s["secretValue"] != "two" || s["secretKey"] != "CANARY" {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	e.do("DELETE", p, bearer(tok), body(nil)).expectErr(t, 404, "NotFound", "Secret not found")
	e.do("GET", p+"?workspaceId="+projectID+"&environment=prod&secretPath=/castle", bearer(tok), nil).
		expectErr(t, 404, "NotFound", "Secret not found")

	// A form body works too.
	r = e.do("POST", "/api/v3/secrets/raw/FORMED", bearer(tok), url.Values{
		"workspaceId": {projectID}, "environment": {"prod"}, "secretPath": {"/castle"}, "secretValue": {" v "}})
	if r.status != 200 || r.body["secret"].(map[string]any)["secretValue"] != "v" {
		t.Errorf("form create: %d %s", r.status, r.raw)
	}
}

func TestV4(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	q := "?projectId=" + projectID + "&environment=prod&secretPath=/castle"
	r := e.do("GET", "/api/v4/secrets"+q, bearer(tok), nil)
	s := secretsOf(t, r)
	x := s["PROXMOX_TOKEN_ID"]
	if len(s) != 5 || x["secretValueHidden"] != false || x["secretMetadata"] == nil || x["secretPath"] != "/castle" {
		t.Errorf("v4 list: %s", r.raw)
	}
	hidden := secretsOf(t, e.do("GET", "/api/v4/secrets"+q+"&viewSecretValue=false", bearer(tok), nil))
	if hidden["PROXMOX_TOKEN_ID"]["secretValue"] != "<hidden-by-infisical>" || hidden["PROXMOX_TOKEN_ID"]["secretValueHidden"] != true {
		t.Errorf("viewSecretValue=false: %v", hidden["PROXMOX_TOKEN_ID"])
	}
	e.do("GET", "/api/v4/secrets?environment=prod", bearer(tok), nil).expectErr(t, 400, "BadRequest", "Missing project id or environment")
	g := e.do("GET", "/api/v4/secrets/PROXMOX_TOKEN_ID"+q, bearer(tok), nil)
	if g.status != 200 || g.body["secret"].(map[string]any)["secretValue"] != "castellan@pve!castellan" {
		t.Errorf("v4 get: %d %s", g.status, g.raw)
	}
	id := x["id"].(string)
	if r := e.do("GET", "/api/v4/secrets/id/"+id, bearer(tok), nil); r.status != 200 || r.body["secret"].(map[string]any)["secretKey"] != "PROXMOX_TOKEN_ID" {
		t.Errorf("v4 by id: %d %s", r.status, r.raw)
	}
	b := map[string]any{"projectId": projectID, "environment": "prod", "secretPath": "/castle", "secretValue": "v4 value "}
	if r := e.do("POST", "/api/v4/secrets/V4", bearer(tok), b); r.status != 200 || r.body["secret"].(map[string]any)["secretValue"] != "v4 value" {
		t.Errorf("v4 create: %d %s", r.status, r.raw)
	}
	b["secretValue"] = "changed"
	if r := e.do("PATCH", "/api/v4/secrets/V4", bearer(tok), b); r.status != 200 || r.body["secret"].(map[string]any)["version"] != 2.0 {
		t.Errorf("v4 update: %d %s", r.status, r.raw)
	}
	delete(b, "secretValue")
	if r := e.do("DELETE", "/api/v4/secrets/V4", bearer(tok), b); r.status != 200 {
		t.Errorf("v4 delete: %d %s", r.status, r.raw)
	}

	// The Oct-2024 server has no v4.
	e.do("PATCH", "/_twin/config", nil, map[string]bool{"v4": false})
	r = e.do("GET", "/api/v4/secrets"+q, bearer(tok), nil)
	want := `{"message":"Route GET:/api/v4/secrets` + q + ` not found","error":"Not Found","statusCode":404}`
	if r.status != 404 || string(r.raw) != want {
		t.Errorf("v4 off: %d %s\nwant %s", r.status, r.raw, want)
	}
}

func TestUnknownRoute(t *testing.T) {
	e := start(t, nil)
	r := e.do("GET", "/api/v1/nope?x=1", nil, nil)
	if r.status != 404 || string(r.raw) != `{"message":"Route GET:/api/v1/nope?x=1 not found","error":"Not Found","statusCode":404}` {
		t.Errorf("%d %s", r.status, r.raw)
	}
	if r := e.do("PUT", "/api/v3/secrets/raw/X", nil, map[string]string{}); r.status != 404 || r.body["message"] != "Route PUT:/api/v3/secrets/raw/X not found" {
		t.Errorf("wrong method: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/healthcheck", nil, nil); r.status != 404 {
		t.Errorf("/healthcheck: %d", r.status)
	}
}

func TestBatchCreate(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	b := map[string]any{"workspaceId": projectID, "environment": "prod", "secretPath": "/castle",
		"secrets": []map[string]string{{"secretKey": "B1", "secretValue": " one "}, {"secretKey": "B2", "secretValue": "two"}}}
	r := e.do("POST", "/api/v3/secrets/batch/raw", bearer(tok), b)
	if r.status != 200 || len(r.body["secrets"].([]any)) != 2 {
		t.Fatalf("batch: %d %s", r.status, r.raw)
	}
	e.do("POST", "/api/v3/secrets/batch/raw", bearer(tok), b).expectErr(t, 400, "BadRequest", "Secret already exist: B1,B2")
}

// Echo is what the simulated ESO does with castellan's canary.
func TestEcho(t *testing.T) {
	e := start(t, nil)
	e.do("PUT", "/_twin/secrets", nil, []map[string]any{
		{"project": "homelab", "env": "prod", "path": "/castle", "key": "CASTELLAN_CANARY_r1", "value": "v1"}})
	if !e.tw.Echo("homelab", "prod", "/castle", "CASTELLAN_CANARY_r1", "CASTELLAN_ECHO_r1") {
		t.Fatal("echo of a planted canary failed")
	}
	if e.tw.Echo("homelab", "prod", "/castle", "CASTELLAN_CANARY_none", "CASTELLAN_ECHO_none") {
		t.Error("echo of a missing canary succeeded")
	}
	r := e.do("GET", "/_twin/state", nil, nil)
	found := false
	for _, x := range r.body["secrets"].([]any) {
		if m := x.(map[string]any); m["key"] == "CASTELLAN_ECHO_r1" && m["value"] == "v1" {
			found = true
		}
	}
	if !found {
		t.Error("the echo is not in the state")
	}
}
