package infisical

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is an error response. Every body is JSON
// {"statusCode":…,"message":…,"error":…}; message is an array of Zod
// issues for a ValidationFailure.
type apiError struct {
	Status  int
	Name    string
	Message any
	Header  http.Header // extra headers (retry-after …)
	Raw     []byte      // if set, sent as is (fault injection)
}

type errorBody struct {
	StatusCode int    `json:"statusCode"`
	Message    any    `json:"message"`
	Error      string `json:"error"`
}

func (e *apiError) Error() string { return strconv.Itoa(e.Status) + " " + e.Name }

func newErr(status int, name string, message any) *apiError {
	return &apiError{Status: status, Name: name, Message: message}
}

func badRequest(msg string) *apiError   { return newErr(400, "BadRequest", msg) }
func notFound(msg string) *apiError     { return newErr(404, "NotFound", msg) }
func unauthorized(msg string) *apiError { return newErr(401, "UnauthorizedError", msg) }
func tokenError(msg string) *apiError   { return newErr(403, "TokenError", msg) }
func internalError() *apiError {
	return newErr(500, "InternalServerError", "Something went wrong")
}

// permissionDenied is CASL's ForbiddenError as the error handler renders it.
func permissionDenied(action string) *apiError {
	return newErr(403, "PermissionDenied", "You are not allowed to "+action+" on secrets")
}

func notMember() *apiError {
	return newErr(403, "Identity is not a member of the specified project", "You are not allowed to access this resource")
}

func writeErr(w http.ResponseWriter, e *apiError) {
	for k, vs := range e.Header {
		w.Header()[k] = append([]string(nil), vs...) // names kept as given (lowercase)
	}
	if e.Raw != nil {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		}
		w.WriteHeader(e.Status)
		w.Write(e.Raw)
		return
	}
	writeJSON(w, e.Status, errorBody{StatusCode: e.Status, Message: e.Message, Error: e.Name})
}

// marshalJS encodes like JavaScript's JSON.stringify: no HTML escaping of
// < > &, and U+2028/U+2029 left raw.
func marshalJS(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if !bytes.Contains(out, []byte(`\u202`)) {
		return out
	}
	res := make([]byte, 0, len(out))
	for i := 0; i < len(out); i++ {
		if out[i] != '\\' || i+1 >= len(out) {
			res = append(res, out[i])
			continue
		}
		if out[i+1] == 'u' && i+6 <= len(out) && (string(out[i+2:i+6]) == "2028" || string(out[i+2:i+6]) == "2029") {
			if out[i+5] == '8' {
				res = append(res, "\u2028"...)
			} else {
				res = append(res, "\u2029"...)
			}
			i += 5
			continue
		}
		res = append(res, out[i], out[i+1]) // any other escape, copied whole
		i++
	}
	return res
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body := marshalJS(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
