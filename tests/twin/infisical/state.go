package infisical

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

type project struct {
	id, slug, name string
	envs           []string                   // in config order
	folders        map[string]map[string]bool // env -> folder path -> exists
}

type secret struct {
	id                  string
	projectID, env      string
	path, key           string
	value, comment      string
	version             int
	skipMultiline       bool
	reminderNote        *string
	reminderRepeatDays  *float64
	createdAt, updateAt time.Time
}

type clientSecret struct {
	id           string
	secret       string
	ttl          int64
	numUsesLimit int64
	numUses      int64
	revoked      bool
	createdAt    time.Time
}

type identity struct {
	id, name, clientID string
	secrets            []*clientSecret
	ttl, maxTTL        int64
	numUsesLimit       int64
	roles              map[string]string // project id -> role
	// token counters
	issued, revoked, deleted int
}

type accessToken struct {
	id             string
	identity       *identity
	clientSecretID string
	createdAt      time.Time
	lastRenewedAt  time.Time // zero: never renewed
	ttl, maxTTL    int64
	numUses        int64
	numUsesLimit   int64
	revoked        bool
}

type state struct {
	projects   []*project
	secrets    []*secret // insertion order is the list order
	identities []*identity
	tokens     map[string]*accessToken
}

var roles = map[string]bool{"viewer": true, "member": true, "admin": true, "no-access": true}

func (s *state) projectByRef(ref string) *project {
	for _, p := range s.projects {
		if p.id == ref || p.slug == ref {
			return p
		}
	}
	return nil
}

func (s *state) projectByID(id string) *project {
	for _, p := range s.projects {
		if p.id == id {
			return p
		}
	}
	return nil
}

func (s *state) projectBySlug(slug string) *project {
	for _, p := range s.projects {
		if p.slug == slug {
			return p
		}
	}
	return nil
}

func (p *project) hasEnv(env string) bool {
	_, ok := p.folders[env]
	return ok
}

func (p *project) hasFolder(env, path string) bool {
	f, ok := p.folders[env]
	return ok && f[path]
}

// addFolder creates path and its parents in env (which must exist).
func (p *project) addFolder(env, path string) {
	f := p.folders[env]
	path = normPath(path)
	for path != "" {
		f[path] = true
		if path == "/" {
			return
		}
		i := strings.LastIndex(path, "/")
		if i == 0 {
			path = "/"
		} else {
			path = path[:i]
		}
	}
}

// foldersUnder lists the env's folders at or below base, sorted.
func (p *project) foldersUnder(env, base string) []string {
	var out []string
	for f := range p.folders[env] {
		if base == "/" || f == base || strings.HasPrefix(f, base+"/") {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

func (s *state) findSecret(projectID, env, path, key string) *secret {
	for _, x := range s.secrets {
		if x.projectID == projectID && x.env == env && x.path == path && x.key == key {
			return x
		}
	}
	return nil
}

func (s *state) removeSecret(x *secret) {
	for i, y := range s.secrets {
		if y == x {
			s.secrets = append(s.secrets[:i], s.secrets[i+1:]...)
			return
		}
	}
}

func (s *state) identityByClientID(clientID string) *identity {
	for _, id := range s.identities {
		if id.clientID == clientID {
			return id
		}
	}
	return nil
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// buildState checks a config and turns it into state, timestamps at now.
func buildState(c *Config, now time.Time) (*state, error) {
	s := &state{tokens: map[string]*accessToken{}}
	for i, pc := range c.Projects {
		where := fmt.Sprintf("projects[%d]", i)
		if pc.ID == "" || pc.Slug == "" {
			return nil, fmt.Errorf("%s: id and slug are required", where)
		}
		if s.projectByRef(pc.ID) != nil || s.projectByRef(pc.Slug) != nil {
			return nil, fmt.Errorf("%s: duplicate id or slug", where)
		}
		if !slugRE.MatchString(pc.Slug) {
			return nil, fmt.Errorf("%s: slug %q is not a lowercase slug", where, pc.Slug)
		}
		p := &project{id: pc.ID, slug: pc.Slug, name: pc.Name, folders: map[string]map[string]bool{}}
		if p.name == "" {
			p.name = p.slug
		}
		for _, env := range pc.Environments {
			if env == "" || p.hasEnv(env) {
				return nil, fmt.Errorf("%s: empty or duplicate environment %q", where, env)
			}
			p.envs = append(p.envs, env)
			p.folders[env] = map[string]bool{"/": true}
		}
		for env, paths := range pc.Folders {
			if !p.hasEnv(env) {
				return nil, fmt.Errorf("%s: folders for unknown environment %q", where, env)
			}
			for _, path := range paths {
				if normPath(path) == "" {
					return nil, fmt.Errorf("%s: empty folder path", where)
				}
				p.addFolder(env, path)
			}
		}
		s.projects = append(s.projects, p)
	}
	for i, sc := range c.Secrets {
		if err := s.plant(sc, now, false); err != nil {
			return nil, fmt.Errorf("secrets[%d]: %w", i, err)
		}
	}
	for i, ic := range c.Identities {
		where := fmt.Sprintf("identities[%d]", i)
		if ic.ID == "" || ic.ClientID == "" {
			return nil, fmt.Errorf("%s: id and clientId are required", where)
		}
		if s.identityByClientID(ic.ClientID) != nil {
			return nil, fmt.Errorf("%s: duplicate clientId", where)
		}
		if ic.AccessTokenTTL < 0 || ic.AccessTokenMaxTTL < 0 || ic.AccessTokenNumUsesLimit < 0 {
			return nil, fmt.Errorf("%s: negative TTL or limit", where)
		}
		id := &identity{
			id: ic.ID, name: ic.Name, clientID: ic.ClientID,
			ttl: ic.AccessTokenTTL, maxTTL: ic.AccessTokenMaxTTL, numUsesLimit: ic.AccessTokenNumUsesLimit,
			roles: map[string]string{},
		}
		if id.name == "" {
			id.name = "identity-" + ic.ID[:min(8, len(ic.ID))]
		}
		for j, cs := range ic.ClientSecrets {
			if cs.Secret == "" {
				return nil, fmt.Errorf("%s.clientSecrets[%d]: empty secret", where, j)
			}
			id.secrets = append(id.secrets, &clientSecret{
				id: newUUID(), secret: cs.Secret, ttl: cs.TTLSeconds, numUsesLimit: cs.NumUsesLimit,
				revoked: cs.Revoked, createdAt: now,
			})
		}
		for j, m := range ic.Memberships {
			p := s.projectByRef(m.Project)
			if p == nil {
				return nil, fmt.Errorf("%s.memberships[%d]: unknown project %q", where, j, m.Project)
			}
			if !roles[m.Role] {
				return nil, fmt.Errorf("%s.memberships[%d]: role %q is not viewer, member, admin or no-access", where, j, m.Role)
			}
			id.roles[p.id] = m.Role
		}
		s.identities = append(s.identities, id)
	}
	return s, nil
}

// plant creates or replaces (or deletes) a secret as the control API and the
// config do: the value is stored verbatim, missing folders are created.
func (s *state) plant(sc SecretConfig, now time.Time, allowDelete bool) error {
	p := s.projectByRef(sc.Project)
	if p == nil {
		return fmt.Errorf("unknown project %q", sc.Project)
	}
	if !p.hasEnv(sc.Env) {
		return fmt.Errorf("project %s has no environment %q", p.slug, sc.Env)
	}
	if sc.Key == "" {
		return fmt.Errorf("empty key")
	}
	path := normPath(sc.Path)
	if path == "" {
		path = "/"
	}
	x := s.findSecret(p.id, sc.Env, path, sc.Key)
	if sc.Delete {
		if !allowDelete {
			return fmt.Errorf("delete is only for PUT /_twin/secrets")
		}
		if x != nil {
			s.removeSecret(x)
		}
		return nil
	}
	p.addFolder(sc.Env, path)
	if x != nil {
		x.value, x.comment = sc.Value, sc.Comment
		x.version++
		x.updateAt = now
		return nil
	}
	s.secrets = append(s.secrets, &secret{
		id: newUUID(), projectID: p.id, env: sc.Env, path: path, key: sc.Key,
		value: sc.Value, comment: sc.Comment, version: 1, createdAt: now, updateAt: now,
	})
	return nil
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
