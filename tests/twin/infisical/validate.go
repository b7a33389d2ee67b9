package infisical

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// A small stand-in for the Zod schemas of the real routes, producing the
// same issue objects ({code, expected, received, path, message}) so a
// ValidationFailure body looks like the real one.

type zodIssue struct {
	Code     string   `json:"code"`
	Expected string   `json:"expected,omitempty"`
	Received any      `json:"received,omitempty"`
	Options  []string `json:"options,omitempty"`
	Path     []any    `json:"path"`
	Message  string   `json:"message"`
}

type kind int

const (
	kString      kind = iota
	kBool             // JSON boolean
	kNumber           // JSON number
	kCoerceNum        // z.coerce.number(): a query string turned into a number
	kStringArray      // array of strings
	kEnum             // one of enum
	kStrBool          // query flag: z.enum(["true","false"]) turned into a bool
)

type field struct {
	name     string
	kind     kind
	optional bool // absent is fine (a default may apply)
	nullable bool // null is fine
	def      any  // value when absent
	enum     []string
	trim     bool
	// transform applies to a string after trimming.
	transform func(string) string
}

// fields is a parsed object: absent optional fields without default are
// simply missing.
type fields map[string]any

func (f fields) str(name string) string {
	s, _ := f[name].(string)
	return s
}

func (f fields) has(name string) bool {
	v, ok := f[name]
	return ok && v != nil
}

func (f fields) boolean(name string) bool {
	b, _ := f[name].(bool)
	return b
}

func zodType(v any, present bool) string {
	if !present {
		return "undefined"
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case float64:
		if math.IsNaN(x) {
			return "nan"
		}
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func typeIssue(path []any, expected string, v any, present bool) zodIssue {
	rec := zodType(v, present)
	msg := "Required"
	if present {
		msg = fmt.Sprintf("Expected %s, received %s", expected, rec)
	}
	return zodIssue{Code: "invalid_type", Expected: expected, Received: rec, Path: path, Message: msg}
}

func enumIssue(path []any, options []string, v string) zodIssue {
	q := make([]string, len(options))
	for i, o := range options {
		q[i] = "'" + o + "'"
	}
	return zodIssue{
		Code: "invalid_enum_value", Received: v, Options: options, Path: path,
		Message: fmt.Sprintf("Invalid enum value. Expected %s, received '%s'", strings.Join(q, " | "), v),
	}
}

// parseObject validates input (a decoded JSON body, form body, or query)
// against specs, the way z.object(...).parse would (unknown keys stripped).
func parseObject(input any, present bool, specs []field) (fields, []zodIssue) {
	obj, ok := input.(map[string]any)
	if !ok {
		return nil, []zodIssue{typeIssue([]any{}, "object", input, present)}
	}
	out := fields{}
	var issues []zodIssue
	for _, sp := range specs {
		v, ok := obj[sp.name]
		path := []any{sp.name}
		if !ok {
			if sp.def != nil {
				out[sp.name] = sp.def
			} else if !sp.optional {
				issues = append(issues, typeIssue(path, expectedName(sp), nil, false))
			}
			continue
		}
		if v == nil {
			if sp.nullable {
				out[sp.name] = nil
			} else {
				issues = append(issues, typeIssue(path, expectedName(sp), nil, true))
			}
			continue
		}
		switch sp.kind {
		case kString:
			s, ok := v.(string)
			if !ok {
				issues = append(issues, typeIssue(path, "string", v, true))
				continue
			}
			if sp.trim {
				s = jsTrim(s)
			}
			if sp.transform != nil {
				s = sp.transform(s)
			}
			out[sp.name] = s
		case kBool:
			b, ok := v.(bool)
			if !ok {
				issues = append(issues, typeIssue(path, "boolean", v, true))
				continue
			}
			out[sp.name] = b
		case kNumber:
			n, ok := v.(float64)
			if !ok {
				issues = append(issues, typeIssue(path, "number", v, true))
				continue
			}
			out[sp.name] = n
		case kCoerceNum:
			var n float64
			switch x := v.(type) {
			case string:
				n = jsNumber(x)
			case float64:
				n = x
			case bool:
				if x {
					n = 1
				}
			default:
				n = math.NaN()
			}
			if math.IsNaN(n) {
				issues = append(issues, typeIssue(path, "number", n, true))
				continue
			}
			out[sp.name] = n
		case kStringArray:
			arr, ok := v.([]any)
			if !ok {
				issues = append(issues, typeIssue(path, "array", v, true))
				continue
			}
			var ss []string
			bad := false
			for i, e := range arr {
				s, ok := e.(string)
				if !ok {
					issues = append(issues, typeIssue([]any{sp.name, i}, "string", e, true))
					bad = true
					continue
				}
				ss = append(ss, s)
			}
			if !bad {
				out[sp.name] = ss
			}
		case kEnum, kStrBool:
			opts := sp.enum
			if sp.kind == kStrBool {
				opts = []string{"true", "false"}
			}
			s, ok := v.(string)
			if !ok {
				issues = append(issues, typeIssue(path, expectedName(sp), v, true))
				continue
			}
			if !contains(opts, s) {
				issues = append(issues, enumIssue(path, opts, s))
				continue
			}
			if sp.kind == kStrBool {
				out[sp.name] = s == "true"
			} else {
				out[sp.name] = s
			}
		}
	}
	return out, issues
}

func expectedName(sp field) string {
	switch sp.kind {
	case kBool:
		return "boolean"
	case kNumber, kCoerceNum:
		return "number"
	case kStringArray:
		return "array"
	case kEnum, kStrBool:
		opts := sp.enum
		if sp.kind == kStrBool {
			opts = []string{"true", "false"}
		}
		q := make([]string, len(opts))
		for i, o := range opts {
			q[i] = "'" + o + "'"
		}
		return strings.Join(q, " | ")
	}
	return "string"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// queryObject turns a query string into what Fastify's parser hands the
// schema: one string per key, an array for a repeated key.
func queryObject(q url.Values) map[string]any {
	m := map[string]any{}
	for k, vs := range q {
		if len(vs) == 1 {
			m[k] = vs[0]
		} else {
			arr := make([]any, len(vs))
			for i, v := range vs {
				arr[i] = v
			}
			m[k] = arr
		}
	}
	return m
}

// jsTrim is String.prototype.trim: JavaScript's whitespace and line
// terminators (which differ slightly from Go's unicode.IsSpace).
func jsTrim(s string) string {
	return strings.TrimFunc(s, isJSSpace)
}

func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xa0, 0x1680, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff:
		return true
	}
	return r >= 0x2000 && r <= 0x200a
}

// jsNumber is JavaScript's Number(string), enough for query coercion.
func jsNumber(s string) float64 {
	s = jsTrim(s)
	if s == "" {
		return 0
	}
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		n, err := strconv.ParseUint(s[2:], 16, 64)
		if err != nil {
			return math.NaN()
		}
		return float64(n)
	}
	if s == "Infinity" || s == "+Infinity" {
		return math.Inf(1)
	}
	if s == "-Infinity" {
		return math.Inf(-1)
	}
	if strings.ContainsAny(s, "xXpP_") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "+inf") ||
		strings.EqualFold(s, "-inf") || strings.EqualFold(s, "nan") || strings.EqualFold(s, "infinity") {
		return math.NaN()
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return n
}

// secretValueTransform is the real schema's transform of secretValue:
// trimmed, but a trailing "\n" survives (once).
func secretValueTransform(v string) string {
	if strings.HasSuffix(v, "\n") {
		return jsTrim(v) + "\n"
	}
	return jsTrim(v)
}

// removeTrailingSlash as in the real server's lib/fn.
func removeTrailingSlash(s string) string {
	if s == "/" {
		return s
	}
	return strings.TrimSuffix(s, "/")
}
