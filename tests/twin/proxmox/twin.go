// Package proxmox is a stateful simulator of the Proxmox VE API as an API
// token sees it: discovery, QEMU VM create/config/status/power/destroy with
// UPID tasks and config locks, ISO upload / download-url / content, token
// privileges, and the envelope, status codes, reason phrases and quirks
// recorded in shared/research/proxmox.md. A started VM with a cdrom ISO
// labelled cidata has its NoCloud files read (a simulated Talos node). Under
// /_twin/pve/ it adds a test-only control API: state, stored files, fault
// injection (lock timeouts, 595/596, start failures, latency), the request
// log and reset.
package proxmox

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"castellan/twin/twinkit"
)

// Options configure New.
type Options struct {
	// Config is the initial state; nil means ConfigPath, or DefaultConfig.
	Config *Config
	// ConfigPath is re-read by POST /_twin/pve/reset with an empty body.
	ConfigPath string
	// Log gets one line per request (method, path, status); nil is silent.
	Log io.Writer
	// OnBoot, when set, is called (on its own goroutine, without the
	// twin's lock) with the user-data a VM read from its cidata at start:
	// the hook where a simulated Talos node acts.
	OnBoot func(vmid int, userData string)
}

// Twin is the simulator; it is an http.Handler for /api2/ and /_twin/pve/.
type Twin struct {
	mu     sync.Mutex
	opts   Options
	cfg    *Config
	gen    int // bumped by reset: stale task goroutines do nothing
	nodes  []*node
	nodeBy map[string]*node
	stores map[string]*StorageConfig
	vols   map[string]map[string]*volume // content key (node/storage or storage if shared) -> volname -> volume
	vms    map[int]*vm
	tasks  map[string]*task
	torder []*task
	flocks map[int]*task // vmid -> the task (or sync call) holding lock-<vmid>.conf
	faults faultState
	pid    uint32

	reqs  twinkit.RequestLog[RequestRecord]
	lines twinkit.Lines
}

type node struct {
	name    string
	online  bool
	ip      string
	bridges map[string]bool
	maxcpu  int
	maxmem  int64
	pstart  uint32
	start   time.Time
}

// RequestRecord is one line of GET /_twin/pve/requests.
type RequestRecord struct {
	Seq        int64     `json:"seq"`
	Time       time.Time `json:"time"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Query      string    `json:"query,omitempty"`
	AuthID     string    `json:"authid,omitempty"`
	Status     int       `json:"status"`
	Reason     string    `json:"reason,omitempty"`
	Fault      string    `json:"fault,omitempty"`
	DurationMs float64   `json:"durationMs"`
}

// New makes a twin from o.
func New(o Options) (*Twin, error) {
	t := &Twin{opts: o}
	c, err := t.source().Initial()
	if err != nil {
		return nil, err
	}
	// Past 20000 records the oldest 10000 go.
	t.reqs.Max, t.reqs.Keep = 20000, 10001
	t.lines.W = o.Log
	var b [4]byte
	rand.Read(b[:])
	t.pid = binary.BigEndian.Uint32(b[:])%0x80000 + 0x1000
	if err := t.reset(c); err != nil {
		return nil, err
	}
	return t, nil
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

func (t *Twin) localNode() string {
	if t.cfg.LocalNode != "" {
		return t.cfg.LocalNode
	}
	return t.cfg.Nodes[0].Name
}

func (t *Twin) taskDuration(typ string) time.Duration {
	if ms, ok := t.cfg.TaskMsByType[typ]; ok {
		return time.Duration(ms) * time.Millisecond
	}
	if t.cfg.TaskMs != nil {
		return time.Duration(*t.cfg.TaskMs) * time.Millisecond
	}
	return 200 * time.Millisecond
}

func (t *Twin) lockWait(def time.Duration) time.Duration {
	if t.cfg.LockWaitMs != nil {
		return time.Duration(*t.cfg.LockWaitMs) * time.Millisecond
	}
	return def
}

// ---- request handling ----

// apiError is an error answer: Status with the message as reason phrase,
// or a 400 parameter error with per-parameter messages.
type apiError struct {
	Status int
	Msg    string            // without the trailing newline
	Errors map[string]string // 400 parameter errors
	Empty  bool              // no body at all (401, 595, 596)
}

func errStatus(status int, msg string) *apiError { return &apiError{Status: status, Msg: msg} }
func err500(format string, a ...any) *apiError   { return errStatus(500, fmt.Sprintf(format, a...)) }
func paramErr(errs map[string]string) *apiError {
	return &apiError{Status: 400, Msg: "Parameter verification failed.", Errors: errs}
}
func paramErr1(k, v string) *apiError { return paramErr(map[string]string{k: v}) }

// call is one API request.
type call struct {
	t      *Twin
	r      *http.Request
	who    *authID
	params map[string]string
	multi  map[string]bool // keys given more than once (form encoding)
	vars   map[string]string
	up     *uploadData
}

type route struct {
	method string
	segs   []string // ":x" captures one segment, "*x" the rest
	handle func(*call) (any, *apiError)
}

func (t *Twin) routes() []route {
	mk := func(m, p string, h func(*call) (any, *apiError)) route {
		return route{method: m, segs: strings.Split(strings.Trim(p, "/"), "/"), handle: h}
	}
	return []route{
		mk("GET", "/version", (*call).version),
		mk("GET", "/nodes", (*call).listNodes),
		mk("GET", "/nodes/:node", (*call).nodeIndex),
		mk("GET", "/nodes/:node/status", (*call).nodeStatus),
		mk("GET", "/cluster/status", (*call).clusterStatus),
		mk("GET", "/cluster/resources", (*call).clusterResources),
		mk("GET", "/cluster/nextid", (*call).nextID),
		mk("GET", "/nodes/:node/qemu", (*call).listVMs),
		mk("POST", "/nodes/:node/qemu", (*call).createVM),
		mk("GET", "/nodes/:node/qemu/:vmid", (*call).vmIndex),
		mk("DELETE", "/nodes/:node/qemu/:vmid", (*call).destroyVM),
		mk("GET", "/nodes/:node/qemu/:vmid/config", (*call).getConfig),
		mk("PUT", "/nodes/:node/qemu/:vmid/config", func(c *call) (any, *apiError) { return c.updateConfig(false) }),
		mk("POST", "/nodes/:node/qemu/:vmid/config", func(c *call) (any, *apiError) { return c.updateConfig(true) }),
		mk("GET", "/nodes/:node/qemu/:vmid/pending", (*call).getPending),
		mk("PUT", "/nodes/:node/qemu/:vmid/resize", (*call).resize),
		mk("POST", "/nodes/:node/qemu/:vmid/clone", (*call).cloneVM),
		mk("GET", "/nodes/:node/qemu/:vmid/status/current", (*call).vmStatus),
		mk("POST", "/nodes/:node/qemu/:vmid/status/start", func(c *call) (any, *apiError) { return c.power("start") }),
		mk("POST", "/nodes/:node/qemu/:vmid/status/stop", func(c *call) (any, *apiError) { return c.power("stop") }),
		mk("POST", "/nodes/:node/qemu/:vmid/status/shutdown", func(c *call) (any, *apiError) { return c.power("shutdown") }),
		mk("POST", "/nodes/:node/qemu/:vmid/status/reboot", func(c *call) (any, *apiError) { return c.power("reboot") }),
		mk("GET", "/nodes/:node/tasks", (*call).listTasks),
		mk("GET", "/nodes/:node/tasks/:upid", (*call).taskIndex),
		mk("GET", "/nodes/:node/tasks/:upid/status", (*call).taskStatus),
		mk("GET", "/nodes/:node/tasks/:upid/log", (*call).taskLog),
		mk("GET", "/nodes/:node/storage", (*call).listStorage),
		mk("GET", "/nodes/:node/storage/:storage/status", (*call).storageStatus),
		mk("GET", "/nodes/:node/storage/:storage/content", (*call).listContent),
		mk("GET", "/nodes/:node/storage/:storage/content/*volume", (*call).volumeInfo),
		mk("DELETE", "/nodes/:node/storage/:storage/content/*volume", (*call).deleteVolume),
		mk("POST", "/nodes/:node/storage/:storage/upload", (*call).uploadFile),
		mk("POST", "/nodes/:node/storage/:storage/download-url", (*call).downloadURL),
	}
}

var (
	routesOnce sync.Once
	apiRoutes  []route
)

// match finds the route for method and the escaped relative path; known
// reports whether the path exists for some other method.
func (t *Twin) match(method, rel string) (*route, map[string]string, bool) {
	routesOnce.Do(func() { apiRoutes = t.routes() })
	parts := strings.Split(strings.Trim(rel, "/"), "/")
	known := false
	for i := range apiRoutes {
		rt := &apiRoutes[i]
		if vars, ok := matchSegs(rt.segs, parts); ok {
			known = true
			if rt.method == method {
				return rt, vars, true
			}
		}
	}
	return nil, nil, known
}

func matchSegs(segs, parts []string) (map[string]string, bool) {
	vars := map[string]string{}
	for j, s := range segs {
		if strings.HasPrefix(s, "*") {
			if j >= len(parts) {
				return nil, false
			}
			v, err := url.PathUnescape(strings.Join(parts[j:], "/"))
			if err != nil || v == "" {
				return nil, false
			}
			vars[s[1:]] = v
			return vars, true
		}
		if j >= len(parts) {
			return nil, false
		}
		if strings.HasPrefix(s, ":") {
			v, err := url.PathUnescape(parts[j])
			if err != nil || v == "" {
				return nil, false
			}
			vars[s[1:]] = v
		} else if s != parts[j] {
			return nil, false
		}
	}
	return vars, len(segs) == len(parts)
}

func (t *Twin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.URL.Path == "/_twin/pve" || strings.HasPrefix(r.URL.Path, "/_twin/pve/") {
		t.control(w, r)
		t.logLine(r, "", 0, "", start)
		return
	}
	res := t.serveAPI(r)
	t.record(r, res, start)
	t.write(w, r, res)
	t.logLine(r, res.who, res.status, res.fault, start)
}

// response is what goes out.
type response struct {
	status int
	reason string
	body   []byte
	ctype  string
	delay  time.Duration
	fault  string
	who    string
}

func (t *Twin) serveAPI(r *http.Request) *response {
	const base = "/api2/json"
	path := r.URL.EscapedPath()
	if !strings.HasPrefix(path, base+"/") && path != base {
		format := strings.SplitN(strings.TrimPrefix(path, "/api2/"), "/", 2)[0]
		rel := strings.TrimPrefix(path, "/api2/"+format)
		return t.errResponse(errStatus(501, "no such uri "+rel+", "+format))
	}
	rel := strings.TrimPrefix(path, base)
	if rel == "" {
		rel = "/"
	}
	// Transfer-Encoding is checked before anything else.
	for _, te := range r.TransferEncoding {
		if strings.EqualFold(te, "chunked") {
			return t.errResponse(errStatus(501, "chunked transfer encoding not supported"))
		}
	}

	t.mu.Lock()
	fa := t.takeFault(rel)
	delay := time.Duration(0)
	if t.cfg.AuthFailDelayMs != nil {
		delay = time.Duration(*t.cfg.AuthFailDelayMs) * time.Millisecond
	} else {
		delay = 3 * time.Second
	}
	who, why := t.authenticate(r.Header.Get("Authorization"), r.Header.Get("Cookie"))
	detailed := t.cfg.DetailedAuthErrors
	t.mu.Unlock()

	twinkit.Sleep(r.Context(), fa.latency)
	if fa.code == 595 && !fa.apply {
		return &response{status: 595, reason: fa.msg, fault: "status595"}
	}
	if who == nil {
		reason := "Authentication failed!"
		if detailed {
			reason = why
		}
		res := &response{status: 401, reason: reason, delay: delay}
		return res
	}

	res := t.handle(r, rel, who)
	res.who = who.String()
	if fa.code != 0 {
		return &response{status: fa.code, reason: fa.msg, fault: fmt.Sprintf("status%d", fa.code), who: res.who}
	}
	return res
}

func (t *Twin) handle(r *http.Request, rel string, who *authID) *response {
	rt, vars, known := t.match(r.Method, rel)
	if rt == nil {
		if known || r.Method == "GET" || r.Method == "POST" || r.Method == "PUT" || r.Method == "DELETE" {
			return t.errResponse(errStatus(501, fmt.Sprintf("Method '%s %s' not implemented", r.Method, rel)))
		}
		return t.errResponse(errStatus(501, "method '"+r.Method+"' not available"))
	}
	c := &call{t: t, r: r, who: who, vars: vars, params: map[string]string{}, multi: map[string]bool{}}
	if e := c.readParams(); e != nil {
		return t.errResponse(e)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, ok := vars["node"]; ok {
		if e := t.checkNode(n); e != nil {
			return t.errResponse(e)
		}
	}
	data, e := rt.handle(c)
	if e != nil {
		return t.errResponse(e)
	}
	return t.dataResponse(data)
}

// checkNode: the node exists and (if not the local one) is reachable.
func (t *Twin) checkNode(name string) *apiError {
	n := t.nodeBy[name]
	if n == nil {
		return err500("no such cluster node '%s'", name)
	}
	if !n.online && name != t.localNode() {
		return &apiError{Status: 595, Msg: "No route to host", Empty: true}
	}
	return nil
}

func (t *Twin) dataResponse(data any) *response {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if wt, ok := data.(*withTotal); ok {
		enc.Encode(map[string]any{"data": wt.data, "total": wt.total})
	} else {
		enc.Encode(map[string]any{"data": data})
	}
	return &response{status: 200, reason: "OK", body: bytes.TrimSuffix(buf.Bytes(), []byte("\n")), ctype: "application/json;charset=UTF-8"}
}

func (t *Twin) errResponse(e *apiError) *response {
	reason := strings.SplitN(e.Msg, "\n", 2)[0]
	res := &response{status: e.Status, reason: reason}
	if e.Empty {
		return res
	}
	body := map[string]any{"data": nil}
	if e.Errors != nil {
		body["errors"] = e.Errors
	}
	if !t.cfg.LegacyErrors {
		body["message"] = e.Msg + "\n"
	}
	j, _ := json.Marshal(body)
	res.body, res.ctype = j, "application/json;charset=UTF-8"
	return res
}

// write sends res. Go's server cannot set a reason phrase, so answers whose
// reason is not the standard text take over the connection, write the
// status line themselves, and close it.
func (t *Twin) write(w http.ResponseWriter, r *http.Request, res *response) {
	twinkit.Sleep(r.Context(), res.delay)
	h := w.Header()
	h.Set("Cache-Control", "max-age=0")
	h.Set("Pragma", "no-cache")
	h.Set("Server", "pve-api-daemon/3.0")
	h.Set("Expires", time.Now().UTC().Format(http.TimeFormat))
	if res.ctype != "" {
		h.Set("Content-Type", res.ctype)
	}
	h.Set("Content-Length", strconv.Itoa(len(res.body)))
	if res.reason == http.StatusText(res.status) {
		w.WriteHeader(res.status)
		w.Write(res.body)
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		w.WriteHeader(res.status)
		w.Write(res.body)
		return
	}
	conn, bw, err := hj.Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	h.Set("Connection", "close")
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	reason := strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, res.reason)
	fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", res.status, reason)
	h.Write(bw)
	bw.WriteString("\r\n")
	bw.Write(res.body)
	bw.Flush()
}

func (t *Twin) record(r *http.Request, res *response, start time.Time) {
	t.reqs.Add(func(seq int64) RequestRecord {
		return RequestRecord{
			Seq: seq, Time: start, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
			AuthID: res.who, Status: res.status, Reason: res.reason, Fault: res.fault,
			DurationMs: float64(time.Since(start).Microseconds()) / 1000,
		}
	})
}

// logLine writes "method path status duration [authid] [fault]": never
// the query, headers or body, so no token secret.
func (t *Twin) logLine(r *http.Request, who string, status int, fault string, start time.Time) {
	st := "control"
	if status != 0 {
		st = strconv.Itoa(status)
	}
	t.lines.Line(r, st, start, who, fault)
}

// ---- parameters ----

const maxPost = 512 << 10 // pve-http-server >= 5.2.1

// readParams merges the body (PUT/POST: JSON, form, or multipart for
// uploads) and the query string (which wins), as extract_params does.
func (c *call) readParams() *apiError {
	r := c.r
	if r.Method == "POST" || r.Method == "PUT" {
		ct := r.Header.Get("Content-Type")
		mt, mp, _ := mime.ParseMediaType(ct)
		if mt == "multipart/form-data" {
			c.t.mu.Lock()
			max := c.t.cfg.MaxUploadBytes
			c.t.mu.Unlock()
			if max <= 0 {
				max = 256 << 20
			}
			up, e := readMultipart(r.Body, mp["boundary"], max)
			if e != nil {
				return e
			}
			c.up = up
			for k, v := range up.fields {
				c.params[k] = v
			}
		} else {
			raw, err := io.ReadAll(io.LimitReader(r.Body, maxPost+1))
			if err != nil {
				return errStatus(501, "client read error")
			}
			if len(raw) > maxPost {
				return errStatus(501, "for data too large")
			}
			if mt == "application/json" {
				if len(bytes.TrimSpace(raw)) > 0 {
					var obj map[string]any
					dec := json.NewDecoder(bytes.NewReader(raw))
					dec.UseNumber()
					if err := dec.Decode(&obj); err != nil {
						return errStatus(400, "malformed JSON string")
					}
					for k, v := range obj {
						switch x := v.(type) {
						case nil:
						case string:
							c.params[k] = x
						case bool:
							if x {
								c.params[k] = "1"
							} else {
								c.params[k] = "0"
							}
						case json.Number:
							c.params[k] = x.String()
						default:
							b, _ := json.Marshal(x)
							c.params[k] = string(b)
							c.multi[k] = true
						}
					}
				}
			} else {
				c.decodeURLEncoded(string(raw))
			}
		}
	}
	c.decodeURLEncoded(r.URL.RawQuery)
	delete(c.params, "_dc")
	return nil
}

// decodeURLEncoded is pve-http-server's decode_urlencoded: pairs split on
// '&' and ';', each pair on '=' keeping only the first two pieces, '+' is a
// space, %XX decoded; a repeated key becomes a list.
func (c *call) decodeURLEncoded(s string) {
	if s == "" {
		return
	}
	dec := func(x string) string {
		x = strings.ReplaceAll(x, "+", " ")
		var b strings.Builder
		for i := 0; i < len(x); i++ {
			if x[i] == '%' && i+2 < len(x) && isHex(x[i+1]) && isHex(x[i+2]) {
				v, _ := strconv.ParseUint(x[i+1:i+3], 16, 8)
				b.WriteByte(byte(v))
				i += 2
				continue
			}
			b.WriteByte(x[i])
		}
		return b.String()
	}
	seen := map[string]bool{}
	for _, kv := range strings.FieldsFunc(s, func(r rune) bool { return r == '&' || r == ';' }) {
		parts := strings.Split(kv, "=")
		k := dec(parts[0])
		v := ""
		if len(parts) > 1 {
			v = dec(parts[1])
		}
		if seen[k] {
			c.multi[k] = true
			c.params[k] += "\x00" + v
			continue
		}
		seen[k] = true
		c.params[k] = v
		delete(c.multi, k)
	}
}

func isHex(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F')
}

// uploadData is a parsed multipart upload.
type uploadData struct {
	fields   map[string]string
	filename string
	data     []byte
	hasFile  bool
}

func readMultipart(body io.Reader, boundary string, max int64) (*uploadData, *apiError) {
	if boundary == "" {
		return nil, errStatus(501, "upload failed")
	}
	raw, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, errStatus(501, "upload failed")
	}
	if int64(len(raw)) > max {
		return nil, errStatus(501, "upload failed")
	}
	up := &uploadData{fields: map[string]string{}}
	delim := []byte("--" + boundary)
	rest := raw
	i := bytes.Index(rest, delim)
	if i < 0 {
		return nil, errStatus(501, "upload failed")
	}
	rest = rest[i+len(delim):]
	for {
		if bytes.HasPrefix(rest, []byte("--")) {
			break
		}
		rest = bytes.TrimPrefix(bytes.TrimPrefix(rest, []byte("\r")), []byte("\n"))
		he := bytes.Index(rest, []byte("\r\n\r\n"))
		hl := 4
		if he < 0 {
			he, hl = bytes.Index(rest, []byte("\n\n")), 2
			if he < 0 {
				return nil, errStatus(501, "upload failed")
			}
		}
		hdr := string(rest[:he])
		rest = rest[he+hl:]
		end := bytes.Index(rest, append([]byte("\r\n"), delim...))
		el := 2
		if end < 0 {
			end, el = bytes.Index(rest, append([]byte("\n"), delim...)), 1
			if end < 0 {
				return nil, errStatus(501, "upload failed")
			}
		}
		content := rest[:end]
		rest = rest[end+el+len(delim):]
		var name, filename, disp string
		sc := bufio.NewScanner(strings.NewReader(hdr))
		for sc.Scan() {
			line := sc.Text()
			if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), "Content-Disposition") {
				d, ps, err := mime.ParseMediaType(strings.TrimSpace(v))
				if err == nil {
					disp, name, filename = d, ps["name"], ps["filename"]
				}
			}
		}
		if disp != "form-data" || name == "" {
			return nil, errStatus(501, "upload failed") // "wrong content disposition in multipart - abort upload"
		}
		if filename != "" {
			if name != "filename" {
				return nil, errStatus(501, "upload failed") // "wrong field name for file upload - abort upload"
			}
			up.hasFile, up.filename, up.data = true, filename, append([]byte(nil), content...)
			continue
		}
		up.fields[name] = string(content)
	}
	if !up.hasFile {
		return nil, errStatus(501, "upload failed")
	}
	up.fields["filename"] = up.filename
	return up, nil
}

// sortedKeys returns m's keys sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
