package infisical

import (
	"fmt"
	"strings"

	"castellan/twin/twinkit"
)

// Config seeds the twin's state. It is read from JSON (--config FILE, or the
// body of POST /_twin/reset); unknown keys are refused so a typo never
// silently does nothing.
type Config struct {
	// V4 turns the /api/v4/secrets routes on (current upstream) or off (the
	// Oct-2024 server, which answers 404 "Route GET:/api/v4/secrets… not
	// found"). Default on.
	V4 *bool `json:"v4,omitempty"`
	// RateLimitStatus is what a rate-limited request gets: 500 (the Oct-2024
	// server: "Something went wrong") or 429 (current upstream: "Rate limit
	// exceeded. Please try again in N seconds"). Default 500, as observed.
	RateLimitStatus int `json:"rateLimitStatus,omitempty"`
	// RateLimitWindowSeconds is the fixed window of every limiter. Default 60.
	RateLimitWindowSeconds int `json:"rateLimitWindowSeconds,omitempty"`
	// ValidationStatus is the status of a request-schema failure: 401 (the
	// Oct-2024 server) or 422 (current upstream). Default 401, as observed.
	ValidationStatus int     `json:"validationStatus,omitempty"`
	Limits           *Limits `json:"limits,omitempty"`

	Projects   []ProjectConfig  `json:"projects"`
	Secrets    []SecretConfig   `json:"secrets"`
	Identities []IdentityConfig `json:"identities"`
}

// Limits are requests per window, per client IP and per route pattern.
type Limits struct {
	Secrets int `json:"secrets,omitempty"` // /api/v3/secrets/*, /api/v4/secrets/*: 40
	Write   int `json:"write,omitempty"`   // other POST/PATCH/DELETE, incl. login, renew, revoke: 200
	Read    int `json:"read,omitempty"`    // other GETs: 60
	Global  int `json:"global,omitempty"`  // routes without their own limiter: 600
}

// ProjectConfig is one project (workspace).
type ProjectConfig struct {
	ID           string   `json:"id"`
	Slug         string   `json:"slug"`
	Name         string   `json:"name,omitempty"`
	Environments []string `json:"environments"`
	// Folders per environment slug, as absolute paths ("/castle/talos");
	// parents are created as needed. "/" always exists.
	Folders map[string][]string `json:"folders,omitempty"`
}

// SecretConfig is one shared secret. Project is the project's id or slug.
// The value is stored exactly as given (no trimming).
type SecretConfig struct {
	Project string `json:"project"`
	Env     string `json:"env"`
	Path    string `json:"path,omitempty"`
	Key     string `json:"key"`
	Value   string `json:"value"`
	Comment string `json:"comment,omitempty"`
	// Delete removes the secret (PUT /_twin/secrets only).
	Delete bool `json:"delete,omitempty"`
}

// IdentityConfig is one machine identity with Universal Auth.
type IdentityConfig struct {
	ID            string               `json:"id"`
	Name          string               `json:"name"`
	ClientID      string               `json:"clientId"`
	ClientSecrets []ClientSecretConfig `json:"clientSecrets"`
	// AccessTokenTTL is the token's renewable lifetime (login's expiresIn),
	// in seconds; 0 means none.
	AccessTokenTTL int64 `json:"accessTokenTTL"`
	// AccessTokenMaxTTL bounds the token's life across renewals; it is also
	// the JWT's exp - iat. 0 means none.
	AccessTokenMaxTTL int64 `json:"accessTokenMaxTTL"`
	// AccessTokenNumUsesLimit: 0 means unlimited.
	AccessTokenNumUsesLimit int64              `json:"accessTokenNumUsesLimit,omitempty"`
	Memberships             []MembershipConfig `json:"memberships"`
}

// ClientSecretConfig is one Universal Auth client secret.
type ClientSecretConfig struct {
	Secret       string `json:"secret"`
	TTLSeconds   int64  `json:"ttlSeconds,omitempty"`   // 0 = never expires
	NumUsesLimit int64  `json:"numUsesLimit,omitempty"` // 0 = unlimited logins
	Revoked      bool   `json:"revoked,omitempty"`
}

// MembershipConfig gives an identity a role in a project (id or slug).
// Roles: "viewer" (read), "member" and "admin" (read and write),
// "no-access".
type MembershipConfig struct {
	Project string `json:"project"`
	Role    string `json:"role"`
}

// The default config's fixed credentials, so scripts can use them.
const (
	DefaultProjectID       = "51a441e4-aa3b-437a-92b1-086769162d84"
	DefaultIdentityID      = "52cdeee9-c1f2-4e7a-a149-0dab66eabdb7"
	DefaultClientID        = "3a717a21-d46f-4610-b6cf-d92dd19a5359"
	DefaultClientSecret    = "d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf"
	DefaultESOIdentityID   = "36e02815-2345-4e65-b9df-1bf116170e46"
	DefaultESOClientID     = "33be5982-cad9-4915-a7c1-f5a3ef481763"
	DefaultESOClientSecret = "7aeac9c0b0c8ce27a9152a4d23273ba17c27cad20ac48eedbd40c696990f7c98"
)

// DefaultConfig is used when no --config is given: project "homelab" with
// environment "prod" and folder "/castle" holding castellan's default
// secrets, the appliance's identity (member) and ESO's identity (member),
// whose credentials are the ESO_CLIENT_ID / ESO_CLIENT_SECRET values.
func DefaultConfig() *Config {
	return &Config{
		Projects: []ProjectConfig{{
			ID: DefaultProjectID, Slug: "homelab", Name: "homelab",
			Environments: []string{"prod"},
			Folders:      map[string][]string{"prod": {"/castle"}},
		}},
		// Deliberately not in alphabetical order: the real API's order is not.
		Secrets: []SecretConfig{
			{Project: "homelab", Env: "prod", Path: "/castle", Key: "TALOS_SECRETBOX_KEY", Value: "iLD4Y/JXjOA4fXy5GLVEGJZusfv4R/3PT3JWRckXwBA="},
			{Project: "homelab", Env: "prod", Path: "/castle", Key: "PROXMOX_TOKEN_ID", Value: "castellan@pve!castellan"},
			{Project: "homelab", Env: "prod", Path: "/castle", Key: "PROXMOX_TOKEN_SECRET", Value: "7b5f1656-dbe1-4d05-ad0e-d854676096ac"},
			{Project: "homelab", Env: "prod", Path: "/castle", Key: "ESO_CLIENT_ID", Value: DefaultESOClientID},
			{Project: "homelab", Env: "prod", Path: "/castle", Key: "ESO_CLIENT_SECRET", Value: DefaultESOClientSecret},
		},
		Identities: []IdentityConfig{
			{
				ID: DefaultIdentityID, Name: "castellan", ClientID: DefaultClientID,
				ClientSecrets:  []ClientSecretConfig{{Secret: DefaultClientSecret}},
				AccessTokenTTL: 3600, AccessTokenMaxTTL: 7200,
				Memberships: []MembershipConfig{{Project: "homelab", Role: "member"}},
			},
			{
				ID: DefaultESOIdentityID, Name: "eso", ClientID: DefaultESOClientID,
				ClientSecrets:  []ClientSecretConfig{{Secret: DefaultESOClientSecret}},
				AccessTokenTTL: 3600, AccessTokenMaxTTL: 7200,
				Memberships: []MembershipConfig{{Project: "homelab", Role: "member"}},
			},
		},
	}
}

// ParseConfig reads a JSON config, refusing unknown keys.
func ParseConfig(data []byte) (*Config, error) { return twinkit.ParseConfig[Config](data, "config") }

// LoadConfig reads a JSON config file.
func LoadConfig(path string) (*Config, error) { return twinkit.LoadConfig(path, ParseConfig) }

// settings are the switchable behaviours, from Config plus PATCH /_twin/config.
type settings struct {
	V4                     bool   `json:"v4"`
	RateLimitStatus        int    `json:"rateLimitStatus"`
	RateLimitWindowSeconds int    `json:"rateLimitWindowSeconds"`
	ValidationStatus       int    `json:"validationStatus"`
	Limits                 Limits `json:"limits"`
}

func (c *Config) settings() (settings, error) {
	s := settings{
		V4:                     true,
		RateLimitStatus:        500,
		RateLimitWindowSeconds: 60,
		ValidationStatus:       401,
		Limits:                 Limits{Secrets: 40, Write: 200, Read: 60, Global: 600},
	}
	s.override(c.V4, c.RateLimitStatus, c.RateLimitWindowSeconds, c.ValidationStatus, c.Limits)
	return s, s.check()
}

// override sets what is given (non-nil, non-zero), from a Config or a
// PATCH /_twin/config body.
func (s *settings) override(v4 *bool, rateLimitStatus, rateLimitWindowSeconds, validationStatus int, limits *Limits) {
	if v4 != nil {
		s.V4 = *v4
	}
	if rateLimitStatus != 0 {
		s.RateLimitStatus = rateLimitStatus
	}
	if rateLimitWindowSeconds != 0 {
		s.RateLimitWindowSeconds = rateLimitWindowSeconds
	}
	if validationStatus != 0 {
		s.ValidationStatus = validationStatus
	}
	if limits != nil {
		s.Limits.merge(*limits)
	}
}

func (l *Limits) merge(o Limits) {
	if o.Secrets != 0 {
		l.Secrets = o.Secrets
	}
	if o.Write != 0 {
		l.Write = o.Write
	}
	if o.Read != 0 {
		l.Read = o.Read
	}
	if o.Global != 0 {
		l.Global = o.Global
	}
}

func (s settings) check() error {
	if s.RateLimitStatus != 429 && s.RateLimitStatus != 500 {
		return fmt.Errorf("rateLimitStatus must be 429 or 500, not %d", s.RateLimitStatus)
	}
	if s.ValidationStatus != 401 && s.ValidationStatus != 422 {
		return fmt.Errorf("validationStatus must be 401 or 422, not %d", s.ValidationStatus)
	}
	if s.RateLimitWindowSeconds < 1 {
		return fmt.Errorf("rateLimitWindowSeconds must be at least 1")
	}
	if s.Limits.Secrets < 1 || s.Limits.Write < 1 || s.Limits.Read < 1 || s.Limits.Global < 1 {
		return fmt.Errorf("limits must be positive")
	}
	return nil
}

// normPath makes "castle/talos/" into "/castle/talos"; "" stays "" (the
// real server then finds no folder).
func normPath(p string) string {
	if p == "" {
		return ""
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	for len(p) > 1 && strings.HasSuffix(p, "/") {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}
