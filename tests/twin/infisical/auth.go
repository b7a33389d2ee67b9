package infisical

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
)

func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data")
	}
	return v, nil
}

// The identity side of the real server: identity-ua-service (login) and
// identity-access-token-service (validate, renew, revoke).

const msgNoToken = "No identity access token found"

// injectIdentity is the onRequest hook: any Authorization header is
// validated, whatever the route. The real hook takes header.slice(7), so
// the scheme word is never checked ("bearer x" works, a bare token loses
// its first 7 characters and fails as "invalid token").
func (c *call) injectIdentity(header string) *apiError {
	tok := ""
	if len(header) > 7 {
		tok = header[7:]
	}
	if strings.HasPrefix(tok, "st.") {
		return unauthorized("Invalid service token") // the twin has no service tokens
	}
	claims, err := verifyJWT(c.t.jwtKey, tok, c.now)
	if err != nil {
		return tokenError(tokenErrorMessage(err))
	}
	if claims["authTokenType"] != identityAccessTokenType {
		return nil // another kind of token: no identity (then "Token missing")
	}
	id, _ := claims["identityAccessTokenId"].(string)
	at := c.t.st.tokens[id]
	if at == nil || at.revoked {
		return unauthorized(msgNoToken)
	}
	if e := c.t.checkTokenExp(at, c.now); e != nil {
		return e
	}
	at.numUses++
	c.ident, c.token = at.identity, at
	return nil
}

// checkTokenExp is validateAccessTokenExp: use limit, then TTL measured
// from the last renewal (or creation). Either failure deletes the token, so
// later uses get "No identity access token found".
func (t *Twin) checkTokenExp(at *accessToken, now time.Time) *apiError {
	if at.numUsesLimit > 0 && at.numUses > 0 && at.numUses >= at.numUsesLimit {
		t.deleteToken(at)
		return unauthorized("Unable to renew because access token number of uses limit reached")
	}
	if at.ttl > 0 {
		base := at.createdAt
		if !at.lastRenewedAt.IsZero() {
			base = at.lastRenewedAt
		}
		if now.After(base.Add(time.Duration(at.ttl) * time.Second)) {
			t.deleteToken(at)
			return unauthorized("Failed to renew MI access token due to TTL expiration")
		}
	}
	return nil
}

func (t *Twin) deleteToken(at *accessToken) {
	if _, ok := t.st.tokens[at.id]; ok {
		delete(t.st.tokens, at.id)
		at.identity.deleted++
	}
}

type loginResponse struct {
	AccessToken       string `json:"accessToken"`
	ExpiresIn         int64  `json:"expiresIn"`
	AccessTokenMaxTTL int64  `json:"accessTokenMaxTTL"`
	TokenType         string `json:"tokenType"`
}

// login: POST /api/v1/auth/universal-auth/login.
func (c *call) login() (any, *apiError) {
	f, issues := parseObject(c.body, c.bodyPresent, []field{
		{name: "clientId", kind: kString, trim: true},
		{name: "clientSecret", kind: kString, trim: true},
		{name: "organizationSlug", kind: kString, optional: true},
	})
	if issues != nil {
		return nil, c.validation(issues)
	}
	id := c.t.st.identityByClientID(f.str("clientId"))
	if id == nil {
		return nil, notFound("No identity with specified client ID was found")
	}
	given := []byte(f.str("clientSecret"))
	var cs *clientSecret
	for _, x := range id.secrets {
		if !x.revoked && subtle.ConstantTimeCompare([]byte(x.secret), given) == 1 {
			cs = x
			break
		}
	}
	if cs == nil {
		return nil, unauthorized("Invalid credentials")
	}
	if cs.ttl > 0 && c.now.After(cs.createdAt.Add(time.Duration(cs.ttl)*time.Second)) {
		cs.revoked = true
		return nil, unauthorized("Access denied due to expired client secret")
	}
	if cs.numUsesLimit > 0 && cs.numUses == cs.numUsesLimit {
		cs.revoked = true
		return nil, unauthorized("Access denied due to client secret usage limit reached")
	}
	cs.numUses++
	at := &accessToken{
		id: newUUID(), identity: id, clientSecretID: cs.id, createdAt: c.now,
		ttl: id.ttl, maxTTL: id.maxTTL, numUsesLimit: id.numUsesLimit,
	}
	c.t.st.tokens[at.id] = at
	id.issued++
	claims := tokenClaims{
		IdentityID: id.id, ClientSecretID: cs.id, IdentityAccessTokenID: at.id,
		AuthTokenType: identityAccessTokenType, Iat: c.now.Unix(),
	}
	if id.maxTTL > 0 {
		claims.Exp = claims.Iat + id.maxTTL
	}
	return loginResponse{
		AccessToken: signJWT(c.t.jwtKey, claims), ExpiresIn: id.ttl,
		AccessTokenMaxTTL: id.maxTTL, TokenType: "Bearer",
	}, nil
}

var accessTokenBody = []field{{name: "accessToken", kind: kString, trim: true}}

// bodyToken validates {"accessToken": JWT} and finds the live token row.
func (c *call) bodyToken() (string, *accessToken, *apiError) {
	f, issues := parseObject(c.body, c.bodyPresent, accessTokenBody)
	if issues != nil {
		return "", nil, c.validation(issues)
	}
	tok := f.str("accessToken")
	claims, err := verifyJWT(c.t.jwtKey, tok, c.now)
	if err != nil {
		return "", nil, tokenError(tokenErrorMessage(err))
	}
	id, _ := claims["identityAccessTokenId"].(string)
	if claims["authTokenType"] != identityAccessTokenType || id == "" {
		return "", nil, unauthorized(msgNoToken)
	}
	at := c.t.st.tokens[id]
	if at == nil || at.revoked {
		return "", nil, unauthorized(msgNoToken)
	}
	return tok, at, nil
}

// renew: POST /api/v1/auth/token/renew. Same JWT back; only the TTL clock
// restarts. A renewal that would reach past the MaxTTL fails and deletes the
// token (upstream source; the client must log in again).
func (c *call) renew() (any, *apiError) {
	tok, at, e := c.bodyToken()
	if e != nil {
		return nil, e
	}
	if e := c.t.checkTokenExp(at, c.now); e != nil {
		return nil, e
	}
	if at.maxTTL > 0 {
		end := at.createdAt.Add(time.Duration(at.maxTTL) * time.Second)
		if c.now.After(end) {
			c.t.deleteToken(at)
			return nil, unauthorized("Failed to renew MI access token due to Max TTL expiration")
		}
		if c.now.Add(time.Duration(at.ttl) * time.Second).After(end) {
			c.t.deleteToken(at)
			return nil, unauthorized("Failed to renew MI access token past its Max TTL expiration")
		}
	}
	at.lastRenewedAt = c.now
	return loginResponse{AccessToken: tok, ExpiresIn: at.ttl, AccessTokenMaxTTL: at.maxTTL, TokenType: "Bearer"}, nil
}

// revoke: POST /api/v1/auth/token/revoke (the token is in the body; an
// Authorization header is optional and, if present, validated first like
// on every route).
func (c *call) revoke() (any, *apiError) {
	_, at, e := c.bodyToken()
	if e != nil {
		return nil, e
	}
	at.revoked = true
	at.identity.revoked++
	return map[string]string{"message": "Successfully revoked access token"}, nil
}

type statusResponse struct {
	Date                     string `json:"date"`
	Message                  string `json:"message"`
	EmailConfigured          bool   `json:"emailConfigured"`
	InviteOnlySignup         bool   `json:"inviteOnlySignup"`
	RedisConfigured          bool   `json:"redisConfigured"`
	SecretScanningConfigured bool   `json:"secretScanningConfigured"`
}

// status: GET /api/status (exempt from rate limits).
func (c *call) status() (any, *apiError) {
	return statusResponse{Date: jsDate(c.now), Message: "Ok", RedisConfigured: true}, nil
}

// jsDate is Date.prototype.toISOString.
func jsDate(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
