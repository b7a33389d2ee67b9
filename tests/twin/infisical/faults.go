package infisical

import (
	"net"
	"net/http"
	"strings"
	"time"
)

// Faults is the body of POST /_twin/faults. It replaces the current fault
// set; DELETE /_twin/faults clears it.
type Faults struct {
	// LatencyMs is added before every matching request is handled.
	LatencyMs int `json:"latencyMs,omitempty"`
	// DropConnections: the next N matching requests get their TCP
	// connection reset without any response.
	DropConnections int `json:"dropConnections,omitempty"`
	// Status5xx: the next Count matching requests get status Code.
	Status5xx *Status5xxFault `json:"status5xx,omitempty"`
	// RateLimitBurst: the next Count matching requests are rate limited.
	RateLimitBurst *RateLimitBurstFault `json:"rateLimitBurst,omitempty"`
	// OutageSeconds: every matching request has its connection reset until
	// this much (twin clock) time has passed.
	OutageSeconds float64 `json:"outageSeconds,omitempty"`
	// Routes restricts every fault above to paths starting with it.
	Routes string `json:"routes,omitempty"`
	// RateLimitStatus switches what rate-limited requests get (429 or 500)
	// until DELETE /_twin/faults or a reset.
	RateLimitStatus int `json:"rateLimitStatus,omitempty"`
}

// Status5xxFault answers Count requests with Code. Body, if given, is sent
// as is (Content-Type text/html if it starts with "<", else text/plain),
// like a reverse proxy's error page; otherwise the body is the usual JSON.
type Status5xxFault struct {
	Count int    `json:"count"`
	Code  int    `json:"code,omitempty"`
	Body  string `json:"body,omitempty"`
}

// RateLimitBurstFault rate-limits Count requests: Status (default: the
// current rateLimitStatus), retry-after RetryAfter seconds (default 1).
type RateLimitBurstFault struct {
	Count      int `json:"count"`
	Status     int `json:"status,omitempty"`
	RetryAfter int `json:"retryAfter,omitempty"`
}

type faultState struct {
	latency     time.Duration
	drops       int
	s5xx        Status5xxFault
	burst       RateLimitBurstFault
	outageUntil time.Time
	routes      string
}

type faultView struct {
	LatencyMs         int                 `json:"latencyMs"`
	DropConnections   int                 `json:"dropConnections"`
	Status5xx         Status5xxFault      `json:"status5xx"`
	RateLimitBurst    RateLimitBurstFault `json:"rateLimitBurst"`
	OutageSecondsLeft float64             `json:"outageSecondsLeft"`
	Routes            string              `json:"routes"`
	RateLimitStatus   int                 `json:"rateLimitStatus"`
}

func (t *Twin) faultView(now time.Time) faultView {
	f := t.faults
	left := f.outageUntil.Sub(now).Seconds()
	if left < 0 {
		left = 0
	}
	return faultView{
		LatencyMs: int(f.latency / time.Millisecond), DropConnections: f.drops,
		Status5xx: f.s5xx, RateLimitBurst: f.burst, OutageSecondsLeft: left,
		Routes: f.routes, RateLimitStatus: t.set.RateLimitStatus,
	}
}

// setFaults installs a fault set; t.mu must be held.
func (t *Twin) setFaults(f Faults, now time.Time) *apiError {
	if f.LatencyMs < 0 || f.DropConnections < 0 || f.OutageSeconds < 0 {
		return badRequest("negative fault values")
	}
	fs := faultState{
		latency: time.Duration(f.LatencyMs) * time.Millisecond,
		drops:   f.DropConnections,
		routes:  f.Routes,
	}
	if f.Status5xx != nil {
		fs.s5xx = *f.Status5xx
		if fs.s5xx.Code == 0 {
			fs.s5xx.Code = 503
		}
		if fs.s5xx.Code < 500 || fs.s5xx.Code > 599 || fs.s5xx.Count < 0 {
			return badRequest("status5xx: code must be 5xx and count not negative")
		}
	}
	if f.RateLimitBurst != nil {
		fs.burst = *f.RateLimitBurst
		if fs.burst.RetryAfter == 0 {
			fs.burst.RetryAfter = 1
		}
		if fs.burst.Count < 0 || fs.burst.RetryAfter < 0 || (fs.burst.Status != 0 && fs.burst.Status != 429 && fs.burst.Status != 500) {
			return badRequest("rateLimitBurst: status must be 429 or 500")
		}
	}
	if f.OutageSeconds > 0 {
		fs.outageUntil = now.Add(time.Duration(f.OutageSeconds * float64(time.Second)))
	}
	if f.RateLimitStatus != 0 {
		if f.RateLimitStatus != 429 && f.RateLimitStatus != 500 {
			return badRequest("rateLimitStatus must be 429 or 500")
		}
		t.set.RateLimitStatus = f.RateLimitStatus
	}
	t.faults = fs
	return nil
}

// faultAction is what the fault layer decided for one request.
type faultAction struct {
	latency time.Duration
	drop    string // "outage" or "drop"
	err     *apiError
	name    string
}

// takeFault consumes this request's share of the faults; t.mu must be held.
func (t *Twin) takeFault(path string, now time.Time) faultAction {
	f := &t.faults
	if f.routes != "" && !strings.HasPrefix(path, f.routes) {
		return faultAction{}
	}
	a := faultAction{latency: f.latency}
	switch {
	case now.Before(f.outageUntil):
		a.drop, a.name = "outage", "outage"
	case f.drops > 0:
		f.drops--
		a.drop, a.name = "drop", "drop"
	case f.s5xx.Count > 0:
		f.s5xx.Count--
		a.name = "status5xx"
		if f.s5xx.Body != "" {
			ct := "text/plain; charset=utf-8"
			if strings.HasPrefix(strings.TrimSpace(f.s5xx.Body), "<") {
				ct = "text/html"
			}
			a.err = &apiError{Status: f.s5xx.Code, Raw: []byte(f.s5xx.Body), Header: http.Header{"Content-Type": {ct}}}
		} else if f.s5xx.Code == 500 {
			a.err = internalError()
		} else {
			a.err = newErr(f.s5xx.Code, http.StatusText(f.s5xx.Code), http.StatusText(f.s5xx.Code))
		}
	case f.burst.Count > 0:
		f.burst.Count--
		a.name = "rateLimitBurst"
		status := f.burst.Status
		if status == 0 {
			status = t.set.RateLimitStatus
		}
		a.err = rateLimitedError(status, f.burst.RetryAfter)
		setLimitHeaders(a.err.Header, limitResult{limit: t.set.Limits.Secrets, left: 0, reset: f.burst.RetryAfter})
	}
	return a
}

// dropConnection resets the client's TCP connection without a response.
func dropConnection(w http.ResponseWriter) bool {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return false
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return false
	}
	raw := conn
	if nc, ok := conn.(interface{ NetConn() net.Conn }); ok {
		raw = nc.NetConn() // skip the TLS close_notify: a hard drop
	}
	if tc, ok := raw.(*net.TCPConn); ok {
		tc.SetLinger(0) // RST instead of FIN
	}
	raw.Close()
	return true
}
