// Package twinkit holds what the Infisical and Proxmox twins share: the
// request log behind their control APIs' /requests, the stderr request
// lines, strict JSON config loading and the choice of config source.
package twinkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// RequestLog is a twin's request log: records numbered from 1, trimmed to
// the newest Keep once there are more than Max. It has its own lock, so it
// may be used while the twin's is held.
type RequestLog[R any] struct {
	Max, Keep int

	mu   sync.Mutex
	recs []logEntry[R]
	seq  int64
}

type logEntry[R any] struct {
	seq int64
	rec R
}

// Add appends the record mk makes for the next sequence number.
func (l *RequestLog[R]) Add(mk func(seq int64) R) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	l.recs = append(l.recs, logEntry[R]{l.seq, mk(l.seq)})
	if len(l.recs) > l.Max {
		l.recs = append([]logEntry[R](nil), l.recs[len(l.recs)-l.Keep:]...)
	}
}

// Clear empties the log (numbering goes on) and returns the last number.
func (l *RequestLog[R]) Clear() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.recs = nil
	return l.seq
}

// Since returns the records numbered above since, and the last number.
func (l *RequestLog[R]) Since(since int64) ([]R, int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []R{}
	for _, e := range l.recs {
		if e.seq > since {
			out = append(out, e.rec)
		}
	}
	return out, l.seq
}

// ListView is the body of GET …/requests[?since=SEQ]:
// {"requests": [...], "last": SEQ}.
func (l *RequestLog[R]) ListView(r *http.Request) map[string]any {
	since, _ := strconv.ParseInt(r.URL.Query().Get("since"), 10, 64)
	out, last := l.Since(since)
	return map[string]any{"requests": out, "last": last}
}

// ClearView clears the log and is the body of DELETE …/requests:
// {"last": SEQ}.
func (l *RequestLog[R]) ClearView() map[string]any {
	return map[string]any{"last": l.Clear()}
}

// Lines writes the one-line-per-request log to W (nil: silent).
type Lines struct {
	W  io.Writer
	mu sync.Mutex
}

// Line writes "twin: METHOD PATH STATUS DURATION[ NOTE]...": never the
// query, headers or body, so no secret. Empty notes are left out.
func (l *Lines) Line(r *http.Request, status string, start time.Time, notes ...string) {
	if l.W == nil {
		return
	}
	extra := ""
	for _, n := range notes {
		if n != "" {
			extra += " " + n
		}
	}
	l.mu.Lock()
	fmt.Fprintf(l.W, "twin: %s %s %s %s%s\n", r.Method, r.URL.Path, status,
		time.Since(start).Round(100*time.Microsecond), extra)
	l.mu.Unlock()
}

// Sleep waits for d, or until ctx is done.
func Sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// DecodeStrict decodes JSON data into v, refusing unknown keys.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// ParseConfig reads a JSON config, refusing unknown keys and trailing
// data; errors start with what.
func ParseConfig[C any](data []byte, what string) (*C, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c C
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the JSON object", what)
	}
	return &c, nil
}

// LoadConfig reads a config file with parse; errors name the file.
func LoadConfig[C any](path string, parse func([]byte) (*C, error)) (*C, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ConfigSource is where a twin's config comes from: Config, or the file
// Path, or Default.
type ConfigSource[C any] struct {
	Config  *C
	Path    string
	Load    func(path string) (*C, error)
	Default func() *C
}

// Initial is the config a twin starts with: Config, else Path, else Default.
func (s ConfigSource[C]) Initial() (*C, error) {
	if s.Config != nil {
		return s.Config, nil
	}
	return s.Reload()
}

// Reload is the config a reset without a body goes back to: Path (re-read),
// else Config, else Default.
func (s ConfigSource[C]) Reload() (*C, error) {
	if s.Path != "" {
		return s.Load(s.Path)
	}
	if s.Config != nil {
		return s.Config, nil
	}
	return s.Default(), nil
}

// ResetFromBody is POST …/reset: a non-empty body is a whole new config
// (parse errors are 400), an empty one means reload (errors are 500); apply
// errors are 400. It returns 0 and nil when the reset is done.
func ResetFromBody[C any](body []byte, parse func([]byte) (*C, error), reload func() (*C, error), apply func(*C) error) (int, error) {
	var c *C
	var err error
	if len(bytes.TrimSpace(body)) > 0 {
		if c, err = parse(body); err != nil {
			return 400, err
		}
	} else if c, err = reload(); err != nil {
		return 500, err
	}
	if err := apply(c); err != nil {
		return 400, err
	}
	return 0, nil
}
