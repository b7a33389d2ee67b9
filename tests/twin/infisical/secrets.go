package infisical

import (
	"strings"
)

// The secrets side: /api/v3/secrets/raw… (workspaceId / workspaceSlug) and
// /api/v4/secrets… (projectId), following secret-v2-bridge-service: project
// (bot) lookup, then permission, then folder, then the secret.

const hiddenValue = "<hidden-by-infisical>"

type tagOut struct {
	ID    string `json:"id"`
	Slug  string `json:"slug"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
}

// secretOut is one secret as the API shows it. The optional parts differ
// between list, get-one, writes and v4.
type secretOut struct {
	ID                       string    `json:"id"`
	UnderscoreID             string    `json:"_id"`
	Workspace                string    `json:"workspace"`
	Environment              string    `json:"environment"`
	Version                  int       `json:"version"`
	Type                     string    `json:"type"`
	SecretKey                string    `json:"secretKey"`
	SecretValue              string    `json:"secretValue"`
	SecretComment            string    `json:"secretComment"`
	SecretReminderNote       *string   `json:"secretReminderNote"`
	SecretReminderRepeatDays *float64  `json:"secretReminderRepeatDays"`
	SkipMultilineEncoding    bool      `json:"skipMultilineEncoding"`
	Metadata                 any       `json:"metadata"`
	CreatedAt                string    `json:"createdAt"`
	UpdatedAt                string    `json:"updatedAt"`
	SecretPath               *string   `json:"secretPath,omitempty"`
	Tags                     *[]tagOut `json:"tags,omitempty"`
	SecretValueHidden        *bool     `json:"secretValueHidden,omitempty"`
	SecretMetadata           *[]any    `json:"secretMetadata,omitempty"`
}

type viewOpts struct {
	path, tags bool // include secretPath, tags
	v4         bool // include secretValueHidden, secretMetadata
	hide       bool // viewSecretValue=false
}

func view(x *secret, o viewOpts) secretOut {
	out := secretOut{
		ID: x.id, UnderscoreID: x.id, Workspace: x.projectID, Environment: x.env,
		Version: x.version, Type: "shared", SecretKey: x.key, SecretValue: x.value,
		SecretComment: x.comment, SecretReminderNote: x.reminderNote,
		SecretReminderRepeatDays: x.reminderRepeatDays, SkipMultilineEncoding: x.skipMultiline,
		CreatedAt: jsDate(x.createdAt), UpdatedAt: jsDate(x.updateAt),
	}
	if o.path {
		p := x.path
		out.SecretPath = &p
	}
	if o.tags {
		out.Tags = &[]tagOut{}
	}
	if o.v4 {
		hidden := o.hide
		out.SecretValueHidden = &hidden
		out.SecretMetadata = &[]any{}
		if hidden {
			out.SecretValue = hiddenValue
		}
	}
	return out
}

func botLookupFailed() *apiError {
	return notFound("Project not found during bot lookup. Are you sure you are using the correct project ID?")
}

func slugLookupFailed() *apiError {
	return newErr(500, "Failed to find project by slug", "Something went wrong")
}

func folderNotFound(name string) *apiError {
	return newErr(404, name, "Folder not found for the given environment slug & secret path")
}

// can says whether role may do action ("read", "create", "edit", "delete")
// on secrets.
func can(role, action string) bool {
	switch role {
	case "admin", "member":
		return true
	case "viewer":
		return action == "read"
	}
	return false
}

// access finds the project by id and the caller's role in it.
func (c *call) access(projectID string) (*project, string, *apiError) {
	p := c.t.st.projectByID(projectID)
	if p == nil {
		return nil, "", botLookupFailed()
	}
	role, ok := c.ident.roles[p.id]
	if !ok {
		return nil, "", notMember()
	}
	return p, role, nil
}

// allowed is access plus the check that the caller's role may do action.
func (c *call) allowed(projectID, action string) (*project, *apiError) {
	p, role, e := c.access(projectID)
	if e != nil {
		return nil, e
	}
	if !can(role, action) {
		return nil, permissionDenied(action)
	}
	return p, nil
}

// projectFromSlug resolves workspaceSlug for an identity (getAProject:
// membership is checked there too).
func (c *call) projectFromSlug(slug string) (string, *apiError) {
	p := c.t.st.projectBySlug(slug)
	if p == nil {
		return "", slugLookupFailed()
	}
	if _, ok := c.ident.roles[p.id]; !ok {
		return "", notMember()
	}
	return p.id, nil
}

var pathField = field{name: "secretPath", kind: kString, trim: true, def: "/", transform: removeTrailingSlash}
var typeField = field{name: "type", kind: kEnum, enum: []string{"shared", "personal"}, def: "shared"}

func projectField(v4 bool, optional bool) field {
	name := "workspaceId"
	if v4 {
		name = "projectId"
	}
	return field{name: name, kind: kString, trim: true, optional: optional}
}

func projectKey(v4 bool) string {
	if v4 {
		return "projectId"
	}
	return "workspaceId"
}

type listResponse struct {
	Secrets []secretOut `json:"secrets"`
	Imports *[]any      `json:"imports,omitempty"`
}

func emptyList() listResponse {
	return listResponse{Secrets: []secretOut{}, Imports: &[]any{}}
}

// listSecrets: GET /api/v3/secrets/raw and GET /api/v4/secrets.
func (c *call) listSecrets(v4 bool) (any, *apiError) {
	specs := []field{
		projectField(v4, true),
		{name: "environment", kind: kString, trim: true, optional: true},
		pathField,
		{name: "expandSecretReferences", kind: kStrBool, def: false},
		{name: "recursive", kind: kStrBool, def: false},
		{name: "include_imports", kind: kStrBool, def: false},
		{name: "tagSlugs", kind: kString, optional: true},
	}
	if v4 {
		specs = append(specs, field{name: "viewSecretValue", kind: kStrBool, def: true},
			field{name: "metadataFilter", kind: kString, optional: true})
	} else {
		specs = append(specs, field{name: "workspaceSlug", kind: kString, trim: true, optional: true})
	}
	f, issues := parseObject(queryObject(c.query), true, specs)
	if issues != nil {
		return nil, c.validation(issues)
	}
	pid, env := f.str(projectKey(v4)), f.str("environment")
	if v4 {
		if pid == "" || env == "" {
			return nil, badRequest("Missing project id or environment")
		}
	} else {
		if slug := f.str("workspaceSlug"); pid == "" && slug != "" {
			var e *apiError
			if pid, e = c.projectFromSlug(slug); e != nil {
				return nil, e
			}
		}
		if pid == "" || env == "" {
			return nil, badRequest("Missing workspace id or environment")
		}
	}
	p, role, e := c.access(pid)
	if e != nil {
		return nil, e
	}
	path := f.str("secretPath")
	var paths []string
	if f.boolean("recursive") {
		if !p.hasEnv(env) || path == "" {
			return emptyList(), nil
		}
		if can(role, "read") {
			paths = p.foldersUnder(env, path)
		}
	} else {
		if !can(role, "read") {
			return nil, permissionDenied("read")
		}
		if !p.hasFolder(env, path) {
			return emptyList(), nil
		}
		paths = []string{path}
	}
	in := map[string]bool{}
	for _, x := range paths {
		in[x] = true
	}
	var tagSlugs []string
	for _, s := range strings.Split(f.str("tagSlugs"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			tagSlugs = append(tagSlugs, s)
		}
	}
	out := listResponse{Secrets: []secretOut{}}
	for _, x := range c.t.st.secrets {
		// The twin has no tags, so a tag filter matches nothing.
		if x.projectID == p.id && x.env == env && in[x.path] && len(tagSlugs) == 0 {
			out.Secrets = append(out.Secrets, view(x, viewOpts{path: true, tags: true, v4: v4, hide: v4 && !f.boolean("viewSecretValue")}))
		}
	}
	if f.boolean("include_imports") {
		out.Imports = &[]any{} // the twin models no secret imports
	}
	return out, nil
}

type oneResponse struct {
	Secret secretOut `json:"secret"`
}

// getSecret: GET /api/v3/secrets/raw/{name} and /api/v4/secrets/{name}.
// The version query parameter is accepted and, as observed, has no effect.
func (c *call) getSecret(v4 bool) (any, *apiError) {
	specs := []field{
		projectField(v4, !v4),
		{name: "environment", kind: kString, trim: true, optional: true},
		pathField,
		{name: "version", kind: kCoerceNum, optional: true},
		typeField,
		{name: "expandSecretReferences", kind: kStrBool, def: false},
		{name: "include_imports", kind: kStrBool, def: false},
	}
	if v4 {
		specs = append(specs, field{name: "viewSecretValue", kind: kStrBool, def: true})
	} else {
		specs = append(specs, field{name: "workspaceSlug", kind: kString, trim: true, optional: true})
	}
	f, issues := parseObject(queryObject(c.query), true, specs)
	if issues != nil {
		return nil, c.validation(issues)
	}
	name := jsTrim(c.params["secretName"])
	pid, env := f.str(projectKey(v4)), f.str("environment")
	if env == "" {
		return nil, badRequest("Missing environment")
	}
	if pid == "" {
		slug := f.str("workspaceSlug")
		if v4 {
			return nil, badRequest("You must provide  workspaceId") // sic, upstream
		}
		if slug == "" {
			return nil, badRequest("You must provide workspaceSlug or workspaceId")
		}
		var e *apiError
		if pid, e = c.projectFromSlug(slug); e != nil {
			return nil, e
		}
	}
	p, e := c.allowed(pid, "read")
	if e != nil {
		return nil, e
	}
	path := f.str("secretPath")
	if !p.hasFolder(env, path) {
		return nil, folderNotFound("Create secret")
	}
	x := c.t.st.findSecret(p.id, env, path, name)
	if x == nil || f.str("type") != "shared" {
		return nil, notFound("Secret not found")
	}
	return oneResponse{Secret: view(x, viewOpts{path: v4, tags: true, v4: v4, hide: v4 && !f.boolean("viewSecretValue")})}, nil
}

// getSecretByID: GET /api/v4/secrets/id/{secretId}.
func (c *call) getSecretByID() (any, *apiError) {
	id := c.params["secretId"]
	var x *secret
	for _, s := range c.t.st.secrets {
		if s.id == id {
			x = s
		}
	}
	if x == nil {
		return nil, notFound("Secret with ID '" + id + "' not found")
	}
	if _, e := c.allowed(x.projectID, "read"); e != nil {
		return nil, e
	}
	return oneResponse{Secret: view(x, viewOpts{path: true, tags: true})}, nil
}

func writeSpecs(v4 bool, extra ...field) []field {
	return append([]field{
		projectField(v4, false),
		{name: "environment", kind: kString, trim: true},
		pathField,
	}, extra...)
}

var reminderFields = []field{
	{name: "secretReminderRepeatDays", kind: kNumber, optional: true, nullable: true},
	{name: "secretReminderNote", kind: kString, optional: true, nullable: true},
}

// createSecret: POST /api/v3/secrets/raw/{name} and /api/v4/secrets/{name}.
func (c *call) createSecret(v4 bool) (any, *apiError) {
	specs := writeSpecs(v4, append([]field{
		{name: "secretValue", kind: kString, transform: secretValueTransform},
		{name: "secretComment", kind: kString, trim: true, def: ""},
		{name: "skipMultilineEncoding", kind: kBool, optional: true, nullable: true},
		typeField,
		{name: "tagIds", kind: kStringArray, optional: true},
	}, reminderFields...)...)
	f, issues := parseObject(c.body, c.bodyPresent, specs)
	if issues != nil {
		return nil, c.validation(issues)
	}
	p, e := c.allowed(f.str(projectKey(v4)), "create")
	if e != nil {
		return nil, e
	}
	env, path := f.str("environment"), f.str("secretPath")
	if !p.hasFolder(env, path) {
		return nil, folderNotFound("Create secret")
	}
	if f.str("type") == "personal" {
		return nil, badRequest("Must be user to create personal secret")
	}
	name := jsTrim(c.params["secretName"])
	if c.t.st.findSecret(p.id, env, path, name) != nil {
		return nil, badRequest("Secret already exist")
	}
	if tags, _ := f["tagIds"].([]string); len(tags) > 0 {
		return nil, notFound("Tag not found")
	}
	x := &secret{
		id: newUUID(), projectID: p.id, env: env, path: path, key: name,
		value: f.str("secretValue"), comment: f.str("secretComment"), version: 1,
		skipMultiline: f.boolean("skipMultilineEncoding"), createdAt: c.now, updateAt: c.now,
	}
	setReminders(x, f)
	c.t.st.secrets = append(c.t.st.secrets, x)
	return oneResponse{Secret: view(x, viewOpts{})}, nil
}

func setReminders(x *secret, f fields) {
	if v, ok := f["secretReminderNote"]; ok {
		if s, ok := v.(string); ok {
			x.reminderNote = &s
		} else {
			x.reminderNote = nil
		}
	}
	if v, ok := f["secretReminderRepeatDays"]; ok {
		if n, ok := v.(float64); ok {
			x.reminderRepeatDays = &n
		} else {
			x.reminderRepeatDays = nil
		}
	}
}

// updateSecret: PATCH /api/v3/secrets/raw/{name} and /api/v4/secrets/{name}.
// As in the real service, the response's secretValue and secretComment are
// what the request sent ("" when absent), not what is stored.
func (c *call) updateSecret(v4 bool) (any, *apiError) {
	specs := writeSpecs(v4, append([]field{
		{name: "secretValue", kind: kString, optional: true, transform: secretValueTransform},
		{name: "secretComment", kind: kString, trim: true, optional: true},
		{name: "newSecretName", kind: kString, trim: true, optional: true},
		{name: "skipMultilineEncoding", kind: kBool, optional: true, nullable: true},
		typeField,
		{name: "tagIds", kind: kStringArray, optional: true},
	}, reminderFields...)...)
	f, issues := parseObject(c.body, c.bodyPresent, specs)
	if issues != nil {
		return nil, c.validation(issues)
	}
	p, e := c.allowed(f.str(projectKey(v4)), "edit")
	if e != nil {
		return nil, e
	}
	newName, renaming := f["newSecretName"].(string)
	if renaming && newName == "" {
		return nil, badRequest("New secret name cannot be empty")
	}
	env, path := f.str("environment"), f.str("secretPath")
	if !p.hasFolder(env, path) {
		return nil, folderNotFound("UpdateSecret")
	}
	if f.str("type") == "personal" {
		return nil, badRequest("Must be user to create personal secret")
	}
	x := c.t.st.findSecret(p.id, env, path, jsTrim(c.params["secretName"]))
	if x == nil {
		return nil, notFound("Secret not found")
	}
	if renaming && c.t.st.findSecret(p.id, env, path, newName) != nil {
		return nil, badRequest("Secret with the new name already exist")
	}
	if tags, _ := f["tagIds"].([]string); len(tags) > 0 {
		return nil, notFound("Tag not found")
	}
	if v, ok := f["secretValue"].(string); ok {
		x.value = v
	}
	if v, ok := f["secretComment"].(string); ok {
		x.comment = v
	}
	if v, ok := f["skipMultilineEncoding"].(bool); ok {
		x.skipMultiline = v
	}
	if renaming {
		x.key = newName
	}
	setReminders(x, f)
	x.version++
	x.updateAt = c.now
	out := view(x, viewOpts{})
	out.SecretValue, out.SecretComment = f.str("secretValue"), f.str("secretComment")
	return oneResponse{Secret: out}, nil
}

// deleteSecret: DELETE /api/v3/secrets/raw/{name} and /api/v4/secrets/{name}.
func (c *call) deleteSecret(v4 bool) (any, *apiError) {
	f, issues := parseObject(c.body, c.bodyPresent, writeSpecs(v4, typeField))
	if issues != nil {
		return nil, c.validation(issues)
	}
	p, e := c.allowed(f.str(projectKey(v4)), "delete")
	if e != nil {
		return nil, e
	}
	env, path := f.str("environment"), f.str("secretPath")
	if !p.hasFolder(env, path) {
		return nil, folderNotFound("Delete secret")
	}
	if f.str("type") == "personal" {
		return nil, badRequest("Must be user to delete personal secret")
	}
	x := c.t.st.findSecret(p.id, env, path, jsTrim(c.params["secretName"]))
	if x == nil {
		return nil, notFound("Secret not found")
	}
	c.t.st.removeSecret(x)
	return oneResponse{Secret: view(x, viewOpts{})}, nil
}

type batchResponse struct {
	Secrets []secretOut `json:"secrets"`
}

// batchCreate: POST /api/v3/secrets/batch/raw (the Go SDK's
// Secrets().Batch().Create).
func (c *call) batchCreate() (any, *apiError) {
	f, issues := parseObject(c.body, c.bodyPresent, writeSpecs(false))
	obj, _ := c.body.(map[string]any)
	arr, isArr := obj["secrets"].([]any)
	if obj != nil {
		if v, ok := obj["secrets"]; !isArr {
			issues = append(issues, typeIssue([]any{"secrets"}, "array", v, ok))
		} else if len(arr) == 0 {
			issues = append(issues, zodIssue{Code: "too_small", Path: []any{"secrets"}, Message: "Array must contain at least 1 element(s)"})
		}
	}
	type item struct{ key, value, comment string }
	var items []item
	for i, el := range arr {
		g, iss := parseObject(el, true, []field{
			{name: "secretKey", kind: kString, trim: true},
			{name: "secretValue", kind: kString, transform: secretValueTransform},
			{name: "secretComment", kind: kString, trim: true, def: ""},
			{name: "skipMultilineEncoding", kind: kBool, optional: true},
			{name: "tagIds", kind: kStringArray, optional: true},
		})
		for _, is := range iss {
			is.Path = append([]any{"secrets", i}, is.Path...)
			issues = append(issues, is)
		}
		if iss == nil {
			items = append(items, item{g.str("secretKey"), g.str("secretValue"), g.str("secretComment")})
		}
	}
	if issues != nil {
		return nil, c.validation(issues)
	}
	p, e := c.allowed(f.str("workspaceId"), "create")
	if e != nil {
		return nil, e
	}
	env, path := f.str("environment"), f.str("secretPath")
	if !p.hasFolder(env, path) {
		return nil, folderNotFound("Create secret")
	}
	var exist []string
	seen := map[string]bool{}
	for _, it := range items {
		if c.t.st.findSecret(p.id, env, path, it.key) != nil {
			exist = append(exist, it.key)
		}
		if seen[it.key] {
			return nil, internalError() // the unique index would refuse it
		}
		seen[it.key] = true
	}
	if len(exist) > 0 {
		return nil, badRequest("Secret already exist: " + strings.Join(exist, ","))
	}
	out := batchResponse{Secrets: []secretOut{}}
	for _, it := range items {
		x := &secret{
			id: newUUID(), projectID: p.id, env: env, path: path, key: it.key,
			value: it.value, comment: it.comment, version: 1, createdAt: c.now, updateAt: c.now,
		}
		c.t.st.secrets = append(c.t.st.secrets, x)
		out.Secrets = append(out.Secrets, view(x, viewOpts{}))
	}
	return out, nil
}
