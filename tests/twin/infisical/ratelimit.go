package infisical

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// Rate limiting as @fastify/rate-limit does it for the real server: one
// fixed-window counter per client IP and per route pattern (method + URL
// pattern), the window starting at the bucket's first request. Limited
// responses carry x-ratelimit-* with remaining 0 plus retry-after.

type window struct {
	start time.Time
	count int
}

type limitResult struct {
	limited bool
	limit   int
	left    int
	reset   int // seconds until the window ends, rounded up
}

// hit counts one request; t.mu must be held.
func (t *Twin) hit(key string, max int, now time.Time) limitResult {
	win := time.Duration(t.set.RateLimitWindowSeconds) * time.Second
	b := t.windows[key]
	if b == nil || !now.Before(b.start.Add(win)) {
		b = &window{start: now}
		t.windows[key] = b
	}
	b.count++
	ttl := b.start.Add(win).Sub(now)
	r := limitResult{limit: max, left: max - b.count, reset: ceilSeconds(ttl)}
	if r.left < 0 {
		r.left = 0
	}
	r.limited = b.count > max
	return r
}

func ceilSeconds(d time.Duration) int {
	return int(math.Ceil(d.Seconds()))
}

// Header names are kept lowercase on the wire, as Node sends them.
func setLimitHeaders(h http.Header, r limitResult) {
	h["x-ratelimit-limit"] = []string{strconv.Itoa(r.limit)}
	h["x-ratelimit-remaining"] = []string{strconv.Itoa(r.left)}
	h["x-ratelimit-reset"] = []string{strconv.Itoa(r.reset)}
}

// rateLimitedError is what the server answers once a bucket is empty:
// status 500 (Oct 2024: the limiter's error fell through the error handler)
// or 429 (current upstream's RateLimitError).
func rateLimitedError(status, retryAfter int) *apiError {
	var e *apiError
	if status == 429 {
		e = newErr(429, "RateLimitExceeded", fmt.Sprintf("Rate limit exceeded. Please try again in %d seconds", retryAfter))
	} else {
		e = newErr(status, "InternalServerError", "Something went wrong")
	}
	e.Header = http.Header{"retry-after": {strconv.Itoa(retryAfter)}}
	return e
}

// limitFor gives the limit of a limiter class.
func (s settings) limitFor(class string) int {
	switch class {
	case "secrets":
		return s.Limits.Secrets
	case "write":
		return s.Limits.Write
	case "read":
		return s.Limits.Read
	}
	return s.Limits.Global
}
