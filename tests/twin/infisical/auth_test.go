package infisical

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

const loginPath = "/api/v1/auth/universal-auth/login"

func TestLoginJSONAndForm(t *testing.T) {
	e := start(t, nil)
	r := e.do("POST", loginPath, nil, map[string]string{"clientId": castellanID, "clientSecret": castellanSec})
	if r.status != 200 {
		t.Fatalf("json login: %d %s", r.status, r.raw)
	}
	if !sameSet(keys(r.body), []string{"accessToken", "expiresIn", "accessTokenMaxTTL", "tokenType"}) {
		t.Errorf("login keys %v", keys(r.body))
	}
	if r.body["expiresIn"] != 3600.0 || r.body["accessTokenMaxTTL"] != 7200.0 || r.body["tokenType"] != "Bearer" {
		t.Errorf("login body %s", r.raw)
	}
	r = e.do("POST", loginPath, nil, url.Values{"clientId": {castellanID}, "clientSecret": {castellanSec}})
	if r.status != 200 || r.body["accessToken"] == nil {
		t.Fatalf("form login: %d %s", r.status, r.raw)
	}
	if r.header.Get("x-ratelimit-limit") != "200" {
		t.Errorf("login is not in the write limiter: %v", r.header)
	}
}

func TestAccessTokenIsHS256JWT(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", tok)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if string(hdr) != `{"alg":"HS256","typ":"JWT"}` {
		t.Errorf("header %s", hdr)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var p map[string]any
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if !sameSet(keys(p), []string{"identityId", "clientSecretId", "identityAccessTokenId", "authTokenType", "iat", "exp"}) {
		t.Errorf("payload keys %v", keys(p))
	}
	if p["authTokenType"] != "identityAccessToken" || p["identityId"] != DefaultIdentityID {
		t.Errorf("payload %s", raw)
	}
	if p["exp"].(float64)-p["iat"].(float64) != 7200 {
		t.Errorf("exp - iat = %v, want accessTokenMaxTTL 7200", p["exp"].(float64)-p["iat"].(float64))
	}
	if _, err := verifyJWT(e.tw.jwtKey, tok, time.Now()); err != nil {
		t.Errorf("own verification: %v", err)
	}
}

func TestLoginErrors(t *testing.T) {
	e := start(t, nil)
	login := func(body any, hdr map[string]string) *resp { return e.do("POST", loginPath, hdr, body) }

	login(map[string]string{"clientId": castellanID, "clientSecret": readerSec}, nil).
		expectErr(t, 401, "UnauthorizedError", "Invalid credentials")
	login(map[string]string{"clientId": shortID, "clientSecret": shortRevoked}, nil).
		expectErr(t, 401, "UnauthorizedError", "Invalid credentials")
	for _, id := range []string{"00000000-0000-4000-8000-000000000000", "not-a-uuid"} {
		login(map[string]string{"clientId": id, "clientSecret": castellanSec}, nil).
			expectErr(t, 404, "NotFound", "No identity with specified client ID was found")
	}

	r := login(map[string]string{"clientId": castellanID}, nil)
	r.expectErr(t, 401, "ValidationFailure", nil)
	is := r.issues(t)[0].(map[string]any)
	if is["code"] != "invalid_type" || is["received"] != "undefined" || is["message"] != "Required" ||
		len(is["path"].([]any)) != 1 || is["path"].([]any)[0] != "clientSecret" {
		t.Errorf("zod issue %v", is)
	}

	login(`{"clientId": "x",`, map[string]string{"Content-Type": "application/json"}).
		expectErr(t, 500, "InternalServerError", "Something went wrong")
	r = login(`{"clientId":"`+castellanID+`","clientSecret":"`+castellanSec+`"}`, nil) // text/plain
	r.expectErr(t, 401, "ValidationFailure", nil)
	r.issues(t)
	login(nil, nil).expectErr(t, 401, "ValidationFailure", nil)

	// Current upstream's 422.
	e.do("PATCH", "/_twin/config", nil, map[string]int{"validationStatus": 422})
	login(map[string]string{}, nil).expectErr(t, 422, "ValidationFailure", nil)
}

func TestClientSecretTTL(t *testing.T) {
	e := start(t, nil)
	e.login(shortID, shortSec)
	e.tw.Advance(601 * time.Second)
	e.do("POST", loginPath, nil, map[string]string{"clientId": shortID, "clientSecret": shortSec}).
		expectErr(t, 401, "UnauthorizedError", "Access denied due to expired client secret")
	// the expired secret was revoked on the way
	e.do("POST", loginPath, nil, map[string]string{"clientId": shortID, "clientSecret": shortSec}).
		expectErr(t, 401, "UnauthorizedError", "Invalid credentials")
}

func TestClientSecretUseLimit(t *testing.T) {
	e := start(t, nil)
	for i := 0; i < 3; i++ {
		e.login(shortID, shortSec)
	}
	e.do("POST", loginPath, nil, map[string]string{"clientId": shortID, "clientSecret": shortSec}).
		expectErr(t, 401, "UnauthorizedError", "Access denied due to client secret usage limit reached")
	e.do("POST", loginPath, nil, map[string]string{"clientId": shortID, "clientSecret": shortSec}).
		expectErr(t, 401, "UnauthorizedError", "Invalid credentials")
}

func TestTokenTTL(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	e.tw.Advance(3599 * time.Second)
	if r := e.list(tok); r.status != 200 {
		t.Fatalf("inside TTL: %d %s", r.status, r.raw)
	}
	e.tw.Advance(2 * time.Second)
	e.list(tok).expectErr(t, 401, "UnauthorizedError", "Failed to renew MI access token due to TTL expiration")
	e.list(tok).expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)
	e.do("POST", "/api/v1/auth/token/renew", nil, map[string]string{"accessToken": tok}).
		expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)
}

func TestTokenMaxTTL(t *testing.T) {
	e := start(t, func(c *Config) { c.Identities[0].AccessTokenTTL = 0; c.Identities[0].AccessTokenMaxTTL = 100 })
	tok := e.login(castellanID, castellanSec)
	e.tw.Advance(99 * time.Second)
	if r := e.list(tok); r.status != 200 {
		t.Fatalf("inside MaxTTL: %d %s", r.status, r.raw)
	}
	e.tw.Advance(time.Second)
	e.list(tok).expectErr(t, 403, "TokenError", "Your token has expired. Please re-authenticate.")
	e.do("POST", "/api/v1/auth/token/renew", nil, map[string]string{"accessToken": tok}).
		expectErr(t, 403, "TokenError", "Your token has expired. Please re-authenticate.")
}

func TestRenew(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	e.tw.Advance(3000 * time.Second)
	r := e.do("POST", "/api/v1/auth/token/renew", nil, map[string]string{"accessToken": tok})
	if r.status != 200 || r.body["accessToken"] != tok || r.body["expiresIn"] != 3600.0 ||
		r.body["accessTokenMaxTTL"] != 7200.0 || r.body["tokenType"] != "Bearer" {
		t.Fatalf("renew: %d %s", r.status, r.raw)
	}
	e.tw.Advance(3000 * time.Second) // 6000 s old, 3000 s since the renewal
	if r := e.list(tok); r.status != 200 {
		t.Fatalf("after renewal: %d %s", r.status, r.raw)
	}
	// 6000 + 3600 > 7200: upstream refuses and deletes the token.
	e.do("POST", "/api/v1/auth/token/renew", nil, map[string]string{"accessToken": tok}).
		expectErr(t, 401, "UnauthorizedError", "Failed to renew MI access token past its Max TTL expiration")
	e.list(tok).expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)
}

func TestRevoke(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	r := e.do("POST", "/api/v1/auth/token/revoke", nil, map[string]string{"accessToken": tok})
	if r.status != 200 || string(r.raw) != `{"message":"Successfully revoked access token"}` {
		t.Fatalf("revoke: %d %s", r.status, r.raw)
	}
	e.list(tok).expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)
	e.do("POST", "/api/v1/auth/token/revoke", nil, map[string]string{"accessToken": tok}).
		expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)
	e.do("POST", "/api/v1/auth/token/renew", nil, map[string]string{"accessToken": tok}).
		expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)

	// The token belongs in the body: a bearer header with {} is a validation failure.
	tok2 := e.login(castellanID, castellanSec)
	e.do("POST", "/api/v1/auth/token/revoke", bearer(tok2), map[string]string{}).
		expectErr(t, 401, "ValidationFailure", nil)
	e.do("POST", "/api/v1/auth/token/revoke", nil, map[string]string{"accessToken": "garbage"}).
		expectErr(t, 403, "TokenError", "The provided access token is malformed. Please use a valid token or generate a new one and try again.")
}

func TestAuthorizationHeader(t *testing.T) {
	e := start(t, nil)
	tok := e.login(castellanID, castellanSec)
	path := "/api/v3/secrets/raw?workspaceId=" + projectID + "&environment=prod"
	get := func(h string) *resp { return e.do("GET", path, map[string]string{"Authorization": h}, nil) }

	e.do("GET", path, nil, nil).expectErr(t, 401, "UnauthorizedError", "Token missing")
	get(tok).expectErr(t, 403, "TokenError", "invalid token") // no "Bearer " prefix
	get("Bearer not.a.jwt").expectErr(t, 403, "TokenError", "invalid token")
	get("Bearer garbage").expectErr(t, 403, "TokenError",
		"The provided access token is malformed. Please use a valid token or generate a new one and try again.")
	if r := get("bearer " + tok); r.status != 200 {
		t.Errorf("lowercase bearer: %d %s", r.status, r.raw)
	}
	if r := get("BEARER " + tok); r.status != 200 {
		t.Errorf("uppercase bearer: %d %s", r.status, r.raw)
	}
	// Same claims, another key.
	parts := strings.Split(tok, ".")
	forged := parts[0] + "." + parts[1] + "." + b64.EncodeToString(hs256([]byte("another key"), parts[0]+"."+parts[1]))
	get("Bearer "+forged).expectErr(t, 403, "TokenError", "invalid signature")
}

func TestTokenUseLimit(t *testing.T) {
	e := start(t, nil)
	tok := e.login(shortID, shortSec) // accessTokenNumUsesLimit 5
	for i := 0; i < 5; i++ {
		if r := e.list(tok); r.status != 200 {
			t.Fatalf("use %d: %d %s", i+1, r.status, r.raw)
		}
	}
	e.list(tok).expectErr(t, 401, "UnauthorizedError", "Unable to renew because access token number of uses limit reached")
	e.list(tok).expectErr(t, 401, "UnauthorizedError", msgNotFoundTk)
}

func TestStatus(t *testing.T) {
	e := start(t, nil)
	r := e.do("GET", "/api/status", nil, nil)
	if r.status != 200 || r.body["message"] != "Ok" {
		t.Fatalf("status: %d %s", r.status, r.raw)
	}
	if !sameSet(keys(r.body), []string{"date", "message", "emailConfigured", "inviteOnlySignup", "redisConfigured", "secretScanningConfigured"}) {
		t.Errorf("status keys %v", keys(r.body))
	}
	if r.header.Get("x-ratelimit-limit") != "" {
		t.Error("/api/status is exempt from rate limits")
	}
}

func TestJWTVerifyMessages(t *testing.T) {
	key := []byte("k")
	now := time.Unix(1000, 0)
	good := signJWT(key, tokenClaims{AuthTokenType: identityAccessTokenType, Iat: 900, Exp: 1100})
	cases := map[string]string{
		"":      "jwt must be provided",
		"abc":   "jwt malformed",
		"a.b":   "jwt malformed",
		"a.b.c": "invalid token",
		strings.TrimSuffix(good, good[strings.LastIndex(good, ".")+1:]): "jwt signature is required",
		b64.EncodeToString([]byte(`{"alg":"none"}`)) + ".e30.c2ln":      "invalid algorithm",
		good + "x": "invalid signature",
		good:       "",
	}
	for tok, want := range cases {
		_, err := verifyJWT(key, tok, now)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("verify(%q) = %q, want %q", tok, got, want)
		}
	}
	if _, err := verifyJWT(key, good, time.Unix(1100, 0)); err == nil || err.Error() != "jwt expired" {
		t.Errorf("at exp: %v", err)
	}
}
