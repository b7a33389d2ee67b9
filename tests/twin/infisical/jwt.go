package infisical

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"strings"
	"time"
)

// The access token is an HS256 JWT as the real server's jsonwebtoken signs
// it: header {"alg":"HS256","typ":"JWT"}, payload fields in this order.
type tokenClaims struct {
	IdentityID            string `json:"identityId"`
	ClientSecretID        string `json:"clientSecretId"`
	IdentityAccessTokenID string `json:"identityAccessTokenId"`
	AuthTokenType         string `json:"authTokenType"`
	Iat                   int64  `json:"iat"`
	Exp                   int64  `json:"exp,omitempty"`
}

const identityAccessTokenType = "identityAccessToken"

var b64 = base64.RawURLEncoding

func signJWT(key []byte, c tokenClaims) string {
	payload, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	signing := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + b64.EncodeToString(payload)
	return signing + "." + b64.EncodeToString(hs256(key, signing))
}

func hs256(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// jws's isValidJws: three base64url parts, the signature may be empty.
var jwsRE = regexp.MustCompile(`^[a-zA-Z0-9\-_]+?\.[a-zA-Z0-9\-_]+?\.([a-zA-Z0-9\-_]+)?$`)

// jwtError carries jsonwebtoken's error message ("jwt malformed", ...).
type jwtError string

func (e jwtError) Error() string { return string(e) }

// verifyJWT follows jsonwebtoken.verify(token, secret) step by step, so the
// same inputs give the same error messages as the real server.
func verifyJWT(key []byte, token string, now time.Time) (map[string]any, error) {
	if token == "" {
		return nil, jwtError("jwt must be provided")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, jwtError("jwt malformed")
	}
	if !jwsRE.MatchString(token) {
		return nil, jwtError("invalid token")
	}
	var header map[string]any
	if !decodeJSONPart(parts[0], &header) || header == nil {
		return nil, jwtError("invalid token")
	}
	var payload any
	if raw, err := decodeB64(parts[1]); err == nil {
		if json.Unmarshal(raw, &payload) != nil {
			payload = string(raw)
		}
	} else {
		return nil, jwtError("invalid token")
	}
	if strings.TrimSpace(parts[2]) == "" {
		return nil, jwtError("jwt signature is required")
	}
	alg, _ := header["alg"].(string)
	if alg != "HS256" && alg != "HS384" && alg != "HS512" {
		return nil, jwtError("invalid algorithm")
	}
	sig, err := decodeB64(parts[2])
	if err != nil || alg != "HS256" || !hmac.Equal(sig, hs256(key, parts[0]+"."+parts[1])) {
		return nil, jwtError("invalid signature")
	}
	claims, ok := payload.(map[string]any)
	if !ok {
		return nil, jwtError("invalid token")
	}
	if v, present := claims["nbf"]; present {
		n, ok := v.(float64)
		if !ok {
			return nil, jwtError("invalid nbf value")
		}
		if float64(now.Unix()) < n {
			return nil, jwtError("jwt not active")
		}
	}
	if v, present := claims["exp"]; present {
		e, ok := v.(float64)
		if !ok {
			return nil, jwtError("invalid exp value")
		}
		if float64(now.Unix()) >= e {
			return nil, jwtError("jwt expired")
		}
	}
	return claims, nil
}

func decodeB64(s string) ([]byte, error) {
	return b64.DecodeString(strings.TrimRight(s, "="))
}

func decodeJSONPart(s string, v any) bool {
	raw, err := decodeB64(s)
	if err != nil {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	return dec.Decode(v) == nil
}

// tokenErrorMessage is the real error handler's mapping of jsonwebtoken
// errors to the 403 TokenError message.
func tokenErrorMessage(err error) string {
	switch err.Error() {
	case "jwt expired":
		return "Your token has expired. Please re-authenticate."
	case "jwt malformed":
		return "The provided access token is malformed. Please use a valid token or generate a new one and try again."
	case "invalid algorithm":
		return "The access token is signed with an invalid algorithm. Please provide a valid token and try again."
	}
	return err.Error()
}
