// Package infisical is a stateful simulator of the Infisical API, as a
// machine identity sees it: Universal Auth login / renew / revoke, the v3
// raw secrets routes, the v4 secrets routes (switchable), /api/status, rate
// limits, and the error shapes, status codes and quirks recorded in
// shared/research/infisical-api.md (observed against a real server, plus the
// upstream source for what was not observed). Under /_twin/ it adds a
// test-only control API: fault injection, state, request log, planting
// secrets, reset and a movable clock.
package infisical

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"castellan/twin/twinkit"
)

// Options configure New.
type Options struct {
	// Config is the initial state; nil means ConfigPath, or DefaultConfig.
	Config *Config
	// ConfigPath is re-read by POST /_twin/reset with an empty body.
	ConfigPath string
	// Log gets one line per request (method, path, status); nil is silent.
	Log io.Writer
}

// Twin is the simulator; it is an http.Handler.
type Twin struct {
	mu      sync.Mutex
	opts    Options
	cfg     *Config
	set     settings
	st      *state
	jwtKey  []byte
	offset  time.Duration // the twin clock runs at time.Now() + offset
	windows map[string]*window
	faults  faultState
	reqs    twinkit.RequestLog[RequestRecord]
	lines   twinkit.Lines
	routes  []*route
	maxBody int64
}

// RequestRecord is one line of GET /_twin/requests.
type RequestRecord struct {
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"` // wall clock, not the twin clock
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Query      string    `json:"query,omitempty"`
	Status     int       `json:"status"` // 0: connection dropped
	Fault      string    `json:"fault,omitempty"`
	Limited    bool      `json:"limited,omitempty"` // refused by the rate limiter
	DurationMs float64   `json:"durationMs"`
}

// New makes a twin from o.
func New(o Options) (*Twin, error) {
	t := &Twin{opts: o, jwtKey: make([]byte, 32), maxBody: 30 << 20}
	c, err := t.source().Initial()
	if err != nil {
		return nil, err
	}
	t.reqs.Max, t.reqs.Keep = 20000, 10000
	t.lines.W = o.Log
	if _, err := rand.Read(t.jwtKey); err != nil {
		return nil, err
	}
	t.routes = apiRoutes()
	if err := t.reset(c); err != nil {
		return nil, err
	}
	return t, nil
}

// reset replaces all state with c's; t.mu must be held (or t unshared).
func (t *Twin) reset(c *Config) error {
	s, err := c.settings()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	t.offset = 0
	st, err := buildState(c, t.now())
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	t.cfg, t.set, t.st = c, s, st
	t.windows = map[string]*window{}
	t.faults = faultState{}
	t.reqs.Clear()
	return nil
}

// Reset reloads the state from c (nil: the original config source).
func (t *Twin) Reset(c *Config) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c == nil {
		var err error
		if c, err = t.sourceConfig(); err != nil {
			return err
		}
	}
	return t.reset(c)
}

func (t *Twin) source() twinkit.ConfigSource[Config] {
	return twinkit.ConfigSource[Config]{Config: t.opts.Config, Path: t.opts.ConfigPath, Load: LoadConfig, Default: DefaultConfig}
}

func (t *Twin) sourceConfig() (*Config, error) { return t.source().Reload() }

// Advance moves the twin clock forward (token TTLs, client-secret TTLs, JWT
// expiry, rate-limit windows and outages all follow it).
func (t *Twin) Advance(d time.Duration) {
	t.mu.Lock()
	t.offset += d
	t.mu.Unlock()
}

func (t *Twin) now() time.Time { return time.Now().Add(t.offset) }

// Echo acts out what ESO's PushSecret does with castellan's canary: the
// value of secret from (in the project, by slug or id, its environment and
// folder) is written again under to. False when from does not exist.
func (t *Twin) Echo(project, env, path, from, to string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.st.projectByRef(project)
	if p == nil {
		return false
	}
	x := t.st.findSecret(p.id, env, path, from)
	if x == nil {
		return false
	}
	sc := SecretConfig{Project: project, Env: env, Path: path, Key: to, Value: x.value,
		Comment: "pushed by the simulated ESO"}
	return t.st.plant(sc, t.now(), false) == nil
}

// statusRecorder remembers the status written and calls onHeader just
// before the status line goes out, so the request log already holds the
// request when the client sees its response.
type statusRecorder struct {
	http.ResponseWriter
	status   int
	limited  bool
	fault    string
	onHeader func(*statusRecorder)
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
		if s.onHeader != nil {
			s.onHeader(s)
		}
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(200)
	}
	return s.ResponseWriter.Write(b)
}

func (t *Twin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.URL.Path == "/_twin" || strings.HasPrefix(r.URL.Path, "/_twin/") {
		rec := &statusRecorder{ResponseWriter: w, onHeader: func(s *statusRecorder) { t.logLine(r, s.status, "", start) }}
		t.control(rec, r)
		return
	}
	rec := &statusRecorder{ResponseWriter: w, onHeader: func(s *statusRecorder) { t.record(r, s.status, s.fault, s.limited, start) }}

	t.mu.Lock()
	fa := t.takeFault(r.URL.Path, t.now())
	t.mu.Unlock()
	twinkit.Sleep(r.Context(), fa.latency)
	if fa.drop != "" {
		t.record(r, 0, fa.name, false, start)
		if !dropConnection(w) {
			panic(http.ErrAbortHandler)
		}
		return
	}
	if fa.err != nil {
		rec.fault = fa.name
		writeErr(rec, fa.err)
		return
	}

	// Read the body before taking the lock, so a slow client holds nothing.
	var raw []byte
	var tooBig bool
	if r.Body != nil {
		b, err := io.ReadAll(io.LimitReader(r.Body, t.maxBody+1))
		if err != nil {
			return // the client went away
		}
		raw, tooBig = b, int64(len(b)) > t.maxBody
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	t.serveAPI(rec, r, raw, tooBig)
}

// record appends to the request log and writes the stderr line. It takes
// only the log's own lock, so it may run while t.mu is held.
func (t *Twin) record(r *http.Request, status int, fault string, limited bool, start time.Time) {
	t.reqs.Add(func(seq int64) RequestRecord {
		return RequestRecord{
			Seq: seq, Time: start, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			Status: status, Fault: fault, Limited: limited,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		}
	})
	note := fault
	if limited {
		note = "rate-limited"
	}
	t.logLine(r, status, note, start)
}

// logLine writes "method path status duration [note]": never the query,
// headers or body, so no token, client secret or secret value.
func (t *Twin) logLine(r *http.Request, status int, note string, start time.Time) {
	st := fmt.Sprint(status)
	if status == 0 {
		st = "dropped"
	}
	t.lines.Line(r, st, start, note)
}

// route is one API route, with the real server's limiter class.
type route struct {
	method  string
	segs    []string // ":name" segments capture
	limiter string   // "secrets", "write", "read", "global"; "" is exempt
	auth    bool     // verifyAuth: an identity token is required
	v4      bool     // exists only when v4 is on
	body    bool     // parses a request body
	pattern string
	handle  func(*call) (any, *apiError)
}

func apiRoutes() []*route {
	mk := func(method, pattern, limiter string, auth, v4 bool, h func(*call) (any, *apiError)) *route {
		return &route{
			method: method, pattern: pattern, segs: strings.Split(strings.Trim(pattern, "/"), "/"),
			limiter: limiter, auth: auth, v4: v4, handle: h,
			body: method == "POST" || method == "PATCH" || method == "DELETE" || method == "PUT",
		}
	}
	return []*route{
		mk("GET", "/api/status", "", false, false, (*call).status),
		mk("POST", "/api/v1/auth/universal-auth/login", "write", false, false, (*call).login),
		mk("POST", "/api/v1/auth/token/renew", "write", false, false, (*call).renew),
		mk("POST", "/api/v1/auth/token/revoke", "write", false, false, (*call).revoke),

		mk("GET", "/api/v3/secrets/raw", "secrets", true, false, func(c *call) (any, *apiError) { return c.listSecrets(false) }),
		mk("GET", "/api/v3/secrets/raw/:secretName", "secrets", true, false, func(c *call) (any, *apiError) { return c.getSecret(false) }),
		mk("POST", "/api/v3/secrets/raw/:secretName", "secrets", true, false, func(c *call) (any, *apiError) { return c.createSecret(false) }),
		mk("PATCH", "/api/v3/secrets/raw/:secretName", "secrets", true, false, func(c *call) (any, *apiError) { return c.updateSecret(false) }),
		mk("DELETE", "/api/v3/secrets/raw/:secretName", "secrets", true, false, func(c *call) (any, *apiError) { return c.deleteSecret(false) }),
		mk("POST", "/api/v3/secrets/batch/raw", "secrets", true, false, (*call).batchCreate),

		mk("GET", "/api/v4/secrets", "secrets", true, true, func(c *call) (any, *apiError) { return c.listSecrets(true) }),
		mk("GET", "/api/v4/secrets/id/:secretId", "secrets", true, true, (*call).getSecretByID),
		mk("GET", "/api/v4/secrets/:secretName", "secrets", true, true, func(c *call) (any, *apiError) { return c.getSecret(true) }),
		mk("POST", "/api/v4/secrets/:secretName", "secrets", true, true, func(c *call) (any, *apiError) { return c.createSecret(true) }),
		mk("PATCH", "/api/v4/secrets/:secretName", "secrets", true, true, func(c *call) (any, *apiError) { return c.updateSecret(true) }),
		mk("DELETE", "/api/v4/secrets/:secretName", "secrets", true, true, func(c *call) (any, *apiError) { return c.deleteSecret(true) }),
	}
}

// match finds the route for method and the escaped path (static segments
// win over parameters, as in find-my-way).
func (t *Twin) match(method, escaped string) (*route, map[string]string) {
	parts := strings.Split(strings.TrimPrefix(escaped, "/"), "/")
	for _, rt := range t.routes {
		if rt.method != method || len(rt.segs) != len(parts) || (rt.v4 && !t.set.V4) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, s := range rt.segs {
			if strings.HasPrefix(s, ":") {
				v, err := url.PathUnescape(parts[i])
				if err != nil || parts[i] == "" {
					ok = false
					break
				}
				params[s[1:]] = v
			} else if s != parts[i] {
				ok = false
				break
			}
		}
		if ok {
			return rt, params
		}
	}
	return nil, nil
}

// routeNotFound is Fastify's default 404 (its own key order), naming the
// raw URL with its query string.
type routeNotFound struct {
	Message    string `json:"message"`
	Error      string `json:"error"`
	StatusCode int    `json:"statusCode"`
}

// call is one API request being handled.
type call struct {
	t           *Twin
	r           *http.Request
	params      map[string]string
	query       url.Values
	body        any
	bodyPresent bool
	ident       *identity
	token       *accessToken
	now         time.Time
}

// serveAPI runs the real server's pipeline: route lookup, identity
// injection (onRequest), verifyAuth (route onRequest), body parsing, the rate
// limiter (preValidation), then the handler (schema validation first).
// t.mu is held.
func (t *Twin) serveAPI(w *statusRecorder, r *http.Request, raw []byte, tooBig bool) {
	rt, params := t.match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		writeJSON(w, 404, routeNotFound{
			Message: fmt.Sprintf("Route %s:%s not found", r.Method, r.RequestURI),
			Error:   "Not Found", StatusCode: 404,
		})
		return
	}
	c := &call{t: t, r: r, params: params, query: r.URL.Query(), now: t.now()}

	if h := r.Header.Get("Authorization"); h != "" {
		if e := c.injectIdentity(h); e != nil {
			writeErr(w, e)
			return
		}
	}
	if rt.auth && c.ident == nil {
		writeErr(w, unauthorized("Token missing"))
		return
	}
	if rt.body {
		if e := c.parseBody(raw, tooBig); e != nil {
			writeErr(w, e)
			return
		}
	}
	if rt.limiter != "" {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		res := t.hit(host+" "+rt.method+" "+rt.pattern, t.set.limitFor(rt.limiter), c.now)
		setLimitHeaders(w.Header(), res)
		if res.limited {
			w.limited = true
			writeErr(w, rateLimitedError(t.set.RateLimitStatus, res.reset))
			return
		}
	}
	v, e := rt.handle(c)
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, 200, v)
}

// parseBody does what Fastify's content-type parsers do; their errors
// (bad JSON, unknown media type, too large) reach the real error handler as
// plain errors and come out as 500 "Something went wrong".
func (c *call) parseBody(raw []byte, tooBig bool) *apiError {
	if tooBig {
		return internalError()
	}
	ct := c.r.Header.Get("Content-Type")
	if ct == "" {
		if len(raw) == 0 {
			return nil // no body: the schema sees undefined
		}
		return internalError() // FST_ERR_CTP_INVALID_MEDIA_TYPE
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return internalError()
	}
	c.bodyPresent = true
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		if len(bytes.TrimSpace(raw)) == 0 {
			return internalError() // FST_ERR_CTP_EMPTY_JSON_BODY
		}
		v, err := decodeJSON(raw)
		if err != nil {
			return internalError()
		}
		c.body = v
	case mt == "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(raw))
		if err != nil {
			return internalError()
		}
		c.body = queryObject(q)
	case mt == "text/plain":
		c.body = string(raw)
	default:
		return internalError()
	}
	return nil
}

func (c *call) validation(issues []zodIssue) *apiError {
	return newErr(c.t.set.ValidationStatus, "ValidationFailure", issues)
}
