package infisical

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"

	"castellan/twin/twinkit"
)

// The test-only control API under /_twin/ (no auth, JSON):
//
//	GET    /_twin/state     secrets with values, identities' token and client-secret counters, settings, faults
//	GET    /_twin/requests  the request log (?since=SEQ for newer entries only)
//	DELETE /_twin/requests  clears the request log
//	PUT    /_twin/secrets   plants / replaces / deletes secrets: [{project, env, path, key, value, comment, delete}]
//	POST   /_twin/reset     reloads the config (the body, if any, is a whole new config)
//	GET    /_twin/faults    the current faults (remaining counts)
//	POST   /_twin/faults    installs a fault set (see Faults)
//	DELETE /_twin/faults    clears faults and restores rateLimitStatus from the config
//	PATCH  /_twin/config    changes settings: {v4, rateLimitStatus, rateLimitWindowSeconds, validationStatus, limits}
//	POST   /_twin/clock     {"advanceSeconds": N} moves the twin clock forward (or {"offsetSeconds": N})
//	GET    /_twin/clock     the twin clock

func (t *Twin) control(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, t.maxBody))
	if err != nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	fail := func(status int, msg string) {
		writeJSON(w, status, errorBody{StatusCode: status, Message: msg, Error: http.StatusText(status)})
	}
	decode := func(v any) bool {
		if err := twinkit.DecodeStrict(body, v); err != nil {
			fail(400, "bad JSON: "+err.Error())
			return false
		}
		return true
	}
	key := r.Method + " " + r.URL.Path
	switch key {
	case "GET /_twin/state":
		writeJSON(w, 200, t.stateView(now))

	case "GET /_twin/requests":
		writeJSON(w, 200, t.reqs.ListView(r))
	case "DELETE /_twin/requests":
		writeJSON(w, 200, t.reqs.ClearView())

	case "PUT /_twin/secrets":
		var list []SecretConfig
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) > 0 && trimmed[0] == '{' {
			var wrap struct {
				Secrets []SecretConfig `json:"secrets"`
			}
			if !decode(&wrap) {
				return
			}
			list = wrap.Secrets
		} else if !decode(&list) {
			return
		}
		// Check everything first, so a bad item changes nothing.
		for i, sc := range list {
			p := t.st.projectByRef(sc.Project)
			if p == nil || !p.hasEnv(sc.Env) || sc.Key == "" {
				fail(400, fmt.Sprintf("secrets[%d]: unknown project or environment, or empty key", i))
				return
			}
		}
		for _, sc := range list {
			if err := t.st.plant(sc, now, true); err != nil {
				fail(400, err.Error())
				return
			}
		}
		writeJSON(w, 200, map[string]any{"planted": len(list)})

	case "POST /_twin/reset":
		if status, err := twinkit.ResetFromBody(body, ParseConfig, t.sourceConfig, t.reset); err != nil {
			fail(status, err.Error())
			return
		}
		writeJSON(w, 200, map[string]any{"reset": true})

	case "GET /_twin/faults":
		writeJSON(w, 200, t.faultView(now))
	case "POST /_twin/faults":
		var f Faults
		if !decode(&f) {
			return
		}
		if e := t.setFaults(f, now); e != nil {
			fail(400, e.Message.(string))
			return
		}
		writeJSON(w, 200, t.faultView(now))
	case "DELETE /_twin/faults":
		t.faults = faultState{}
		if s, err := t.cfg.settings(); err == nil {
			t.set.RateLimitStatus = s.RateLimitStatus
		}
		writeJSON(w, 200, t.faultView(now))

	case "PATCH /_twin/config":
		var p struct {
			V4                     *bool   `json:"v4"`
			RateLimitStatus        int     `json:"rateLimitStatus"`
			RateLimitWindowSeconds int     `json:"rateLimitWindowSeconds"`
			ValidationStatus       int     `json:"validationStatus"`
			Limits                 *Limits `json:"limits"`
		}
		if !decode(&p) {
			return
		}
		s := t.set
		s.override(p.V4, p.RateLimitStatus, p.RateLimitWindowSeconds, p.ValidationStatus, p.Limits)
		if err := s.check(); err != nil {
			fail(400, err.Error())
			return
		}
		if s.RateLimitWindowSeconds != t.set.RateLimitWindowSeconds || s.Limits != t.set.Limits {
			t.windows = map[string]*window{}
		}
		t.set = s
		writeJSON(w, 200, t.set)

	case "GET /_twin/clock", "POST /_twin/clock":
		if r.Method == "POST" {
			var c struct {
				AdvanceSeconds *float64 `json:"advanceSeconds"`
				OffsetSeconds  *float64 `json:"offsetSeconds"`
			}
			if !decode(&c) {
				return
			}
			if c.AdvanceSeconds != nil {
				t.offset += time.Duration(*c.AdvanceSeconds * float64(time.Second))
			}
			if c.OffsetSeconds != nil {
				t.offset = time.Duration(*c.OffsetSeconds * float64(time.Second))
			}
			now = t.now()
		}
		writeJSON(w, 200, map[string]any{"now": jsDate(now), "offsetSeconds": t.offset.Seconds()})

	default:
		fail(404, "no such control endpoint: "+key)
	}
}

type stateSecret struct {
	ID        string `json:"id"`
	Project   string `json:"project"` // slug
	ProjectID string `json:"projectId"`
	Env       string `json:"env"`
	Path      string `json:"path"`
	Key       string `json:"key"`
	Value     string `json:"value"`
	Comment   string `json:"comment"`
	Version   int    `json:"version"`
}

type stateToken struct {
	ID             string  `json:"id"`
	ClientSecretID string  `json:"clientSecretId"`
	CreatedAt      string  `json:"createdAt"`
	LastRenewedAt  *string `json:"lastRenewedAt"`
	NumUses        int64   `json:"numUses"`
	Revoked        bool    `json:"revoked"`
}

type stateClientSecret struct {
	ID           string `json:"id"`
	Uses         int64  `json:"uses"`
	NumUsesLimit int64  `json:"numUsesLimit"`
	TTLSeconds   int64  `json:"ttlSeconds"`
	Revoked      bool   `json:"revoked"`
}

type stateIdentity struct {
	ID            string              `json:"id"`
	Name          string              `json:"name"`
	ClientID      string              `json:"clientId"`
	Memberships   map[string]string   `json:"memberships"` // project slug -> role
	Tokens        stateTokenCounts    `json:"tokens"`
	TokenList     []stateToken        `json:"tokenList"`
	ClientSecrets []stateClientSecret `json:"clientSecrets"`
}

type stateTokenCounts struct {
	Issued  int `json:"issued"`
	Revoked int `json:"revoked"`
	Deleted int `json:"deleted"` // removed by TTL / use-limit expiry
	Live    int `json:"live"`    // usable right now
}

type stateProject struct {
	ID           string              `json:"id"`
	Slug         string              `json:"slug"`
	Environments []string            `json:"environments"`
	Folders      map[string][]string `json:"folders"`
}

func (t *Twin) stateView(now time.Time) map[string]any {
	projects := []stateProject{}
	slugs := map[string]string{}
	for _, p := range t.st.projects {
		slugs[p.id] = p.slug
		sp := stateProject{ID: p.id, Slug: p.slug, Environments: p.envs, Folders: map[string][]string{}}
		for _, env := range p.envs {
			sp.Folders[env] = p.foldersUnder(env, "/")
		}
		projects = append(projects, sp)
	}
	secrets := []stateSecret{}
	for _, x := range t.st.secrets {
		secrets = append(secrets, stateSecret{
			ID: x.id, Project: slugs[x.projectID], ProjectID: x.projectID, Env: x.env, Path: x.path,
			Key: x.key, Value: x.value, Comment: x.comment, Version: x.version,
		})
	}
	identities := []stateIdentity{}
	for _, id := range t.st.identities {
		si := stateIdentity{
			ID: id.id, Name: id.name, ClientID: id.clientID, Memberships: map[string]string{},
			Tokens:    stateTokenCounts{Issued: id.issued, Revoked: id.revoked, Deleted: id.deleted},
			TokenList: []stateToken{}, ClientSecrets: []stateClientSecret{},
		}
		for pid, role := range id.roles {
			si.Memberships[slugs[pid]] = role
		}
		for _, cs := range id.secrets {
			si.ClientSecrets = append(si.ClientSecrets, stateClientSecret{
				ID: cs.id, Uses: cs.numUses, NumUsesLimit: cs.numUsesLimit, TTLSeconds: cs.ttl, Revoked: cs.revoked,
			})
		}
		for _, at := range t.sortedTokens(id) {
			st := stateToken{ID: at.id, ClientSecretID: at.clientSecretID, CreatedAt: jsDate(at.createdAt), NumUses: at.numUses, Revoked: at.revoked}
			if !at.lastRenewedAt.IsZero() {
				s := jsDate(at.lastRenewedAt)
				st.LastRenewedAt = &s
			}
			si.TokenList = append(si.TokenList, st)
			if t.tokenLive(at, now) {
				si.Tokens.Live++
			}
		}
		identities = append(identities, si)
	}
	return map[string]any{
		"now":        jsDate(now),
		"settings":   t.set,
		"faults":     t.faultView(now),
		"projects":   projects,
		"secrets":    secrets,
		"identities": identities,
	}
}

func (t *Twin) sortedTokens(id *identity) []*accessToken {
	var out []*accessToken
	for _, at := range t.st.tokens {
		if at.identity == id {
			out = append(out, at)
		}
	}
	for i := 1; i < len(out); i++ { // by creation time, then id
		for j := i; j > 0 && (out[j].createdAt.Before(out[j-1].createdAt) ||
			(out[j].createdAt.Equal(out[j-1].createdAt) && out[j].id < out[j-1].id)); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// tokenLive: not revoked, within TTL, MaxTTL and use limit.
func (t *Twin) tokenLive(at *accessToken, now time.Time) bool {
	if at.revoked {
		return false
	}
	if at.numUsesLimit > 0 && at.numUses >= at.numUsesLimit {
		return false
	}
	if at.ttl > 0 {
		base := at.createdAt
		if !at.lastRenewedAt.IsZero() {
			base = at.lastRenewedAt
		}
		if now.After(base.Add(time.Duration(at.ttl) * time.Second)) {
			return false
		}
	}
	if at.maxTTL > 0 && now.Unix() >= at.createdAt.Unix()+at.maxTTL {
		return false
	}
	return true
}
