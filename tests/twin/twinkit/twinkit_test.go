package twinkit

import (
	"bytes"
	"net/http/httptest"
	"regexp"
	"testing"
	"time"
)

func TestRequestLog(t *testing.T) {
	l := RequestLog[int64]{Max: 5, Keep: 3}
	for i := 0; i < 6; i++ {
		l.Add(func(seq int64) int64 { return seq })
	}
	if got, last := l.Since(0); len(got) != 3 || got[0] != 4 || last != 6 {
		t.Fatalf("after trim: %v, last %d", got, last)
	}
	if got, _ := l.Since(5); len(got) != 1 || got[0] != 6 {
		t.Fatalf("since 5: %v", got)
	}
	if last := l.Clear(); last != 6 {
		t.Fatalf("clear: last %d", last)
	}
	l.Add(func(seq int64) int64 { return seq })
	if got, last := l.Since(0); len(got) != 1 || got[0] != 7 || last != 7 {
		t.Fatalf("after clear: %v, last %d", got, last)
	}
	r := httptest.NewRequest("GET", "/_twin/requests?since=7", nil)
	if v := l.ListView(r); len(v["requests"].([]int64)) != 0 || v["last"] != int64(7) {
		t.Fatalf("list view: %v", v)
	}
}

func TestLines(t *testing.T) {
	var b bytes.Buffer
	l := Lines{W: &b}
	r := httptest.NewRequest("GET", "/x?secret=1", nil)
	l.Line(r, "200", time.Now(), "", "a", "b")
	if !regexp.MustCompile(`^twin: GET /x 200 \S+ a b\n$`).Match(b.Bytes()) {
		t.Fatalf("line %q", b.String())
	}
	(&Lines{}).Line(r, "200", time.Now()) // nil writer: silent
}

func TestConfig(t *testing.T) {
	type C struct {
		A int `json:"a"`
	}
	if _, err := ParseConfig[C]([]byte(`{"a":1,"b":2}`), "x config"); err == nil {
		t.Error("unknown key accepted")
	}
	if _, err := ParseConfig[C]([]byte(`{"a":1} {}`), "x config"); err == nil || err.Error() != "x config: trailing data after the JSON object" {
		t.Errorf("trailing data: %v", err)
	}
	def := func() *C { return &C{A: 9} }
	given := &C{A: 1}
	s := ConfigSource[C]{Config: given, Default: def}
	if c, _ := s.Initial(); c != given {
		t.Error("Initial does not prefer Config")
	}
	if c, _ := (ConfigSource[C]{Default: def}).Reload(); c.A != 9 {
		t.Error("Reload does not fall back to Default")
	}
	status, err := ResetFromBody([]byte(" "), func([]byte) (*C, error) { return nil, nil }, s.Reload, func(*C) error { return nil })
	if status != 0 || err != nil {
		t.Errorf("reset: %d %v", status, err)
	}
}
