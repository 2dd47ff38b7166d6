package ssooidctest

import (
	"net/http"
	"net/url"
	"slices"
	"time"
)

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientName   string   `json:"clientName"`
		ClientType   string   `json:"clientType"`
		Scopes       []string `json:"scopes"`
		GrantTypes   []string `json:"grantTypes"`
		RedirectURIs []string `json:"redirectUris"`
		IssuerURL    string   `json:"issuerUrl"`
	}
	if !decode(w, r, &in) {
		return
	}
	s.log(Request{Path: r.URL.Path})
	if in.ClientName == "" || in.ClientType != "public" {
		awsError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "clientName and clientType \"public\" are required.")
		return
	}
	if slices.Contains(in.GrantTypes, "authorization_code") && len(in.RedirectURIs) == 0 {
		awsError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "redirectUris are required for authorization_code.")
		return
	}
	s.mu.Lock()
	id, c := s.addClientLocked(in.GrantTypes, in.RedirectURIs)
	now := s.now()
	s.mu.Unlock()
	reply(w, map[string]any{
		"clientId":              id,
		"clientSecret":          c.secret,
		"clientIdIssuedAt":      now.Unix(),
		"clientSecretExpiresAt": c.expiresAt.Unix(),
	})
}

// clientLocked checks a client's credentials as CreateToken and
// StartDeviceAuthorization do (401 InvalidClientException).
func (s *Server) clientLocked(w http.ResponseWriter, id, secret string) *client {
	c, ok := s.clients[id]
	if !ok || c.secret != secret {
		awsError(w, http.StatusUnauthorized, "InvalidClientException", "invalid_client", "Invalid client provided")
		return nil
	}
	if !s.now().Before(c.expiresAt) {
		awsError(w, http.StatusUnauthorized, "InvalidClientException", "invalid_client", "Client registration has expired")
		return nil
	}
	return c
}

func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) {
	var in struct{ ClientID, ClientSecret, StartURL string }
	if !decode(w, r, &in) {
		return
	}
	s.log(Request{Path: r.URL.Path, ClientID: in.ClientID})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clientLocked(w, in.ClientID, in.ClientSecret) == nil {
		return
	}
	if in.StartURL == "" {
		awsError(w, http.StatusBadRequest, "InvalidRequestException", "invalid_request", "startUrl is required.")
		return
	}
	code, user := random("device"), random("U")[:10]
	s.devices[code] = &device{clientID: in.ClientID, userCode: user, expiresAt: s.now().Add(10 * time.Minute)}
	verify := s.URL + "/device"
	reply(w, map[string]any{
		"deviceCode":              code,
		"userCode":                user,
		"verificationUri":         verify,
		"verificationUriComplete": verify + "?user_code=" + url.QueryEscape(user),
		"expiresIn":               600,
		"interval":                1,
	})
}

// approveDevice is the page the person opens: visiting it with the user
// code approves (or, with DenyAuthorize, denies) the device sign-in.
func (s *Server) approveDevice(w http.ResponseWriter, r *http.Request) {
	s.log(Request{Path: r.URL.Path})
	user := r.URL.Query().Get("user_code")
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == user {
			d.approved, d.denied = !s.deny, s.deny
			w.Write([]byte("Request approved. You can close this window."))
			return
		}
	}
	http.Error(w, "unknown code", http.StatusNotFound)
}

// authorize stands in for the Identity Center sign-in page: the person is
// taken to be signed in already, and the browser is sent straight back to
// the redirect URI with a code.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.log(Request{Path: r.URL.Path, ClientID: q.Get("client_id")})
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[q.Get("client_id")]
	redirect := q.Get("redirect_uri")
	if !ok || !slices.ContainsFunc(c.redirectURIs, func(u string) bool { return loopbackMatch(u, redirect) }) {
		http.Error(w, "unknown client or redirect_uri", http.StatusBadRequest)
		return
	}
	back, _ := url.Parse(redirect)
	v := url.Values{"state": {q.Get("state")}}
	switch {
	case s.deny:
		v.Set("error", "access_denied")
		v.Set("error_description", "The user denied the request.")
	case q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "":
		v.Set("error", "invalid_request")
		v.Set("error_description", "response_type=code and an S256 code_challenge are required.")
	default:
		code := random("code")
		s.codes[code] = &authCode{clientID: q.Get("client_id"), redirectURI: redirect, challenge: q.Get("code_challenge")}
		v.Set("code", code)
	}
	back.RawQuery = v.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ClientID, ClientSecret, GrantType string
		DeviceCode, Code, RefreshToken    string
		RedirectURI                       string `json:"redirectUri"`
		CodeVerifier                      string
	}
	if !decode(w, r, &in) {
		return
	}
	s.log(Request{Path: r.URL.Path, GrantType: in.GrantType, ClientID: in.ClientID})
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clientLocked(w, in.ClientID, in.ClientSecret) == nil {
		return
	}
	var g *grant
	switch in.GrantType {
	case "refresh_token":
		g = s.refresh[in.RefreshToken]
		if g == nil || g.ended || g.clientID != in.ClientID {
			awsError(w, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid grant provided")
			return
		}
		if s.rotate {
			delete(s.refresh, in.RefreshToken)
		}
	case "authorization_code":
		c := s.codes[in.Code]
		delete(s.codes, in.Code) // codes are single-use
		if c == nil || c.clientID != in.ClientID || c.redirectURI != in.RedirectURI || s256(in.CodeVerifier) != c.challenge {
			awsError(w, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid grant provided")
			return
		}
		g = &grant{clientID: in.ClientID}
	case "urn:ietf:params:oauth:grant-type:device_code":
		if g = s.pollLocked(w, in.DeviceCode, in.ClientID); g == nil {
			return
		}
	default:
		awsError(w, http.StatusBadRequest, "UnsupportedGrantTypeException", "unsupported_grant_type", "Unsupported grant type")
		return
	}
	access := random("at")
	s.access[access] = g
	out := map[string]any{"accessToken": access, "tokenType": "Bearer", "expiresIn": int(s.accessTTL / time.Second)}
	if in.GrantType != "refresh_token" || s.rotate {
		rt := random("rt")
		s.refresh[rt] = g
		out["refreshToken"] = rt
	}
	reply(w, out)
}

// pollLocked answers a device-code poll as RFC 8628 and AWS do.
func (s *Server) pollLocked(w http.ResponseWriter, code, clientID string) *grant {
	d := s.devices[code]
	switch {
	case d == nil || d.clientID != clientID:
		awsError(w, http.StatusBadRequest, "InvalidGrantException", "invalid_grant", "Invalid grant provided")
	case !s.now().Before(d.expiresAt):
		awsError(w, http.StatusBadRequest, "ExpiredTokenException", "expired_token", "Device code has expired")
	case s.slowDown > 0:
		s.slowDown--
		awsError(w, http.StatusBadRequest, "SlowDownException", "slow_down", "Client is polling too quickly")
	case d.denied:
		awsError(w, http.StatusBadRequest, "AccessDeniedException", "access_denied", "The user denied the request")
	case !d.approved:
		awsError(w, http.StatusBadRequest, "AuthorizationPendingException", "authorization_pending", "Authorization is still pending")
	default:
		delete(s.devices, code)
		return &grant{clientID: clientID}
	}
	return nil
}
