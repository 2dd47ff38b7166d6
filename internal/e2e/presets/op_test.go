//go:build linux

package presets

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// shape is what makes a fake IdP look like a real one: its discovery
// documents (real fields and URLs), the iss and claims of its ID tokens,
// what it demands of an authorization request, and its refresh-token
// rules.
type shape struct {
	tenants []tenant
	// authorize says why the IdP refuses an authorization request (its
	// query), or "" to accept it; nil accepts every request.
	authorize func(q url.Values) string
	secret    string // the client secret the token endpoint demands; "" for a public client
	// refreshToken says whether the IdP issues a refresh token for an
	// authorization request (its query).
	refreshToken func(q url.Values) bool
	rotates      bool   // a refresh returns a new refresh token, the old one dies
	keycloak     bool   // replies carry refresh_expires_in
	revoked      string // session/health/testdata file: the reply to a dead refresh token
}

// tenant is one discovery document an IdP serves and the tokens it signs.
type tenant struct {
	discovery string            // URL of the document
	doc       map[string]any    // its fields: issuer, endpoint URLs, what it supports
	iss       string            // iss of the ID tokens it signs
	claims    map[string]string // more ID-token claims (Entra's tid)
}

// op is a small OpenID Provider: authorization code with PKCE, refresh,
// JWKS, revocation; just enough to be each IdP's double.
type op struct {
	t        *testing.T
	shape    shape
	clientID string
	key      *rsa.PrivateKey

	mu        sync.Mutex
	codes     map[string]grant
	refresh   map[string]grant // live refresh tokens
	revokeAll bool             // every refresh token is dead: answer shape.revoked
	authQuery []url.Values     // every authorization request, in order
	refreshes int              // refresh grants redeemed
	lastToken string           // the last access token issued
	issuedRTs []string         // every refresh token issued
}

// grant is what a code or refresh token stands for.
type grant struct {
	tenant                            int // index in shape.tenants
	redirect, nonce, challenge, scope string
	offline                           bool // a refresh token comes with it
}

func newOP(t *testing.T, clientID string, s shape) *op {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &op{t: t, shape: s, clientID: clientID, key: key, codes: map[string]grant{}, refresh: map[string]grant{}}
}

// ServeHTTP routes by the URLs the discovery documents name.
func (o *op) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	at := "https://" + r.Host + r.URL.Path
	for i, tn := range o.shape.tenants {
		switch at {
		case tn.discovery:
			writeJSON(w, http.StatusOK, tn.doc)
			return
		case tn.doc["authorization_endpoint"]:
			o.authorize(w, r, i)
			return
		case tn.doc["token_endpoint"]:
			o.token(w, r)
			return
		case tn.doc["jwks_uri"]:
			o.jwks(w)
			return
		case tn.doc["revocation_endpoint"]:
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	http.NotFound(w, r)
}

func (o *op) authorize(w http.ResponseWriter, r *http.Request, tenant int) {
	q := r.URL.Query()
	o.mu.Lock()
	o.authQuery = append(o.authQuery, q)
	o.mu.Unlock()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" {
		http.Error(w, "redirect_uri is not a loopback address", http.StatusBadRequest)
		return
	}
	why := ""
	switch {
	case q.Get("client_id") != o.clientID:
		why = "unknown client_id"
	case q.Get("response_type") != "code":
		why = "response_type must be code"
	case q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		why = "PKCE with S256 is required"
	case q.Get("state") == "" || q.Get("nonce") == "":
		why = "state and nonce are required"
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		why = "the openid scope is required"
	case o.shape.authorize != nil:
		why = o.shape.authorize(q)
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if why != "" {
		back.Set("error", "invalid_request")
		back.Set("error_description", why)
	} else {
		code := rand.Text()
		o.mu.Lock()
		o.codes[code] = grant{tenant: tenant, redirect: q.Get("redirect_uri"), nonce: q.Get("nonce"),
			challenge: q.Get("code_challenge"), offline: o.shape.refreshToken(q), scope: q.Get("scope")}
		o.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (o *op) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	switch {
	case id != o.clientID:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	case o.shape.secret != "" && secret == "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "client_secret is missing.")
		return
	case secret != o.shape.secret:
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Unauthorized")
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var g grant
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		var ok bool
		g, ok = o.codes[r.PostForm.Get("code")]
		delete(o.codes, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || g.redirect != r.PostForm.Get("redirect_uri") || base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "code, redirect_uri or code_verifier wrong")
			return
		}
	case "refresh_token":
		if o.revokeAll {
			o.replyRevoked(w)
			return
		}
		rt := r.PostForm.Get("refresh_token")
		var ok bool
		if g, ok = o.refresh[rt]; !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		o.refreshes++
		g.nonce = "" // an ID token from a refresh carries no nonce
		if !o.shape.rotates {
			o.reply(w, g, "")
			return
		}
		delete(o.refresh, rt)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", r.PostForm.Get("grant_type"))
		return
	}
	rt := ""
	if g.offline {
		rt = "rt-" + rand.Text()
		o.refresh[rt] = g
		o.issuedRTs = append(o.issuedRTs, rt)
	}
	o.reply(w, g, rt)
}

// reply answers a token request; o.mu is held.
func (o *op) reply(w http.ResponseWriter, g grant, refreshToken string) {
	o.lastToken = "at-" + rand.Text()
	body := map[string]any{
		"access_token": o.lastToken,
		"token_type":   "Bearer",
		"expires_in":   3600,
		"scope":        g.scope,
		"id_token":     o.idToken(g),
	}
	if refreshToken != "" {
		body["refresh_token"] = refreshToken
	}
	if o.shape.keycloak {
		body["refresh_expires_in"] = 1800
	}
	writeJSON(w, http.StatusOK, body)
}

// replyRevoked answers with the IdP's real reply to a dead refresh token.
func (o *op) replyRevoked(w http.ResponseWriter) {
	f := readReply(o.t, o.shape.revoked)
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
	w.WriteHeader(f.Status)
	w.Write(f.Body)
}

// reply is a file of session/health/testdata: a real IdP's error reply.
type replyFile struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	Want    string            `json:"want"`
}

func readReply(t *testing.T, name string) replyFile {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "session", "health", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var f replyFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return f
}

const kid = "presets-test-key"

func (o *op) idToken(g grant) string {
	tn := o.shape.tenants[g.tenant]
	now := time.Now()
	claims := map[string]any{
		"iss": tn.iss, "aud": o.clientID, "sub": "user-1",
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	for k, v := range tn.claims {
		claims[k] = v
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, o.key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (o *op) jwks(w http.ResponseWriter) {
	pub := o.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// seen is what an IdP has seen so far.
type seen struct {
	authQueries   []url.Values // every authorization request, in order
	refreshTokens []string     // every refresh token issued
	refreshes     int          // refresh grants redeemed
	lastToken     string       // the last access token issued
}

func (o *op) seen() seen {
	o.mu.Lock()
	defer o.mu.Unlock()
	return seen{slices.Clone(o.authQuery), slices.Clone(o.issuedRTs), o.refreshes, o.lastToken}
}

func (o *op) setRevoked(v bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.revokeAll = v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}
