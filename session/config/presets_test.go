package config

import (
	"maps"
	"slices"
	"testing"
	"time"
)

func TestPresets(t *testing.T) {
	tests := []struct {
		name, toml   string
		issuer       string
		scopes       []string
		params       map[string]string
		secret       bool
		maxSession   time.Duration
		flow, domain string
	}{
		{name: "oidc", toml: `provider = "oidc"
issuer = "https://id.example.com/realms/main"
client_id = "c"`,
			issuer: "https://id.example.com/realms/main", scopes: []string{"openid", "offline_access", "profile"}},
		{name: "oidc loopback http", toml: `provider = "oidc"
issuer = "http://127.0.0.1:5556"
client_id = "c"
flow = "device"`,
			issuer: "http://127.0.0.1:5556", scopes: []string{"openid", "offline_access", "profile"}, flow: "device"},
		{name: "entra default tenant", toml: `provider = "entra"
client_id = "c"`,
			issuer: "https://login.microsoftonline.com/organizations/v2.0", scopes: []string{"openid", "profile", "offline_access"}},
		{name: "entra tenant", toml: `provider = "entra"
tenant = "contoso.onmicrosoft.com"
client_id = "c"`,
			issuer: "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0", scopes: []string{"openid", "profile", "offline_access"}},
		{name: "okta org server", toml: `provider = "okta"
domain = "example.okta.com"
client_id = "c"`,
			issuer: "https://example.okta.com", scopes: []string{"openid", "profile", "offline_access"}, domain: "example.okta.com"},
		{name: "okta custom server", toml: `provider = "okta"
domain = "https://example.okta.com/"
auth_server = "default"
client_id = "c"`,
			issuer: "https://example.okta.com/oauth2/default", scopes: []string{"openid", "profile", "offline_access"}, domain: "https://example.okta.com/"},
		{name: "okta loopback", toml: `provider = "okta"
domain = "http://localhost:8080"
auth_server = "aus1"
client_id = "c"`,
			issuer: "http://localhost:8080/oauth2/aus1", scopes: []string{"openid", "profile", "offline_access"}, domain: "http://localhost:8080"},
		{name: "google", toml: `provider = "google"
client_id = "c.apps.googleusercontent.com"`,
			issuer: "https://accounts.google.com", scopes: []string{"openid", "email", "profile"},
			params: map[string]string{"access_type": "offline", "prompt": "consent"}, secret: true},
		{name: "google with own params and no secret", toml: `provider = "google"
client_id = "c"
client_secret = false
auth_params = { prompt = "select_account", hd = "example.com" }`,
			issuer: "https://accounts.google.com", scopes: []string{"openid", "email", "profile"},
			params: map[string]string{"access_type": "offline", "prompt": "select_account", "hd": "example.com"}},
		{name: "keycloak", toml: `provider = "keycloak"
base_url = "https://id.example.com/"
realm = "main"
client_id = "c"`,
			issuer: "https://id.example.com/realms/main", scopes: []string{"openid", "profile", "offline_access"}},
		{name: "auth0", toml: `provider = "auth0"
domain = "example.eu.auth0.com"
audience = "https://api.example.com"
client_id = "c"`,
			issuer: "https://example.eu.auth0.com/", scopes: []string{"openid", "profile", "offline_access"},
			params: map[string]string{"audience": "https://api.example.com"}, domain: "example.eu.auth0.com"},
		{name: "aws-sso", toml: `provider = "aws-sso"
sso_session = "prod"`,
			maxSession: 8 * time.Hour},
		{name: "aws-sso own max_session", toml: `provider = "aws-sso"
sso_session = "prod"
region = "us-gov-west-1"
max_session = "12h"`,
			maxSession: 12 * time.Hour},
		{name: "explicit issuer and scopes win", toml: `provider = "entra"
issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
client_id = "c"
scopes = ["openid", "offline_access", "api://x/.default"]`,
			issuer: "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0",
			scopes: []string{"openid", "offline_access", "api://x/.default"}},
		{name: "explicit issuer replaces keycloak inputs", toml: `provider = "keycloak"
issuer = "https://kc.example.com/auth/realms/x"
client_id = "c"`,
			issuer: "https://kc.example.com/auth/realms/x", scopes: []string{"openid", "profile", "offline_access"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustLoad(t, "[[session]]\nname = \"s\"\n"+tt.toml+"\n")
			s := cfg.Sessions[0]
			if s.Issuer != tt.issuer {
				t.Errorf("Issuer = %q, want %q", s.Issuer, tt.issuer)
			}
			if !slices.Equal(s.Scopes, tt.scopes) {
				t.Errorf("Scopes = %q, want %q", s.Scopes, tt.scopes)
			}
			if len(s.AuthParams) > 0 || len(tt.params) > 0 {
				if !maps.Equal(s.AuthParams, tt.params) {
					t.Errorf("AuthParams = %v, want %v", s.AuthParams, tt.params)
				}
			}
			if s.ClientSecret != tt.secret {
				t.Errorf("ClientSecret = %v, want %v", s.ClientSecret, tt.secret)
			}
			if s.MaxSession != tt.maxSession {
				t.Errorf("MaxSession = %v, want %v", s.MaxSession, tt.maxSession)
			}
			// AWS sessions refresh before the AWS CLI's own 15-minute window.
			if s.Provider == "aws-sso" && s.RefreshMargin <= 15*time.Minute {
				t.Errorf("aws-sso RefreshMargin = %v, want more than 15m", s.RefreshMargin)
			}
			if want := cmpOr(tt.flow, "browser"); s.Flow != want {
				t.Errorf("Flow = %q, want %q", s.Flow, want)
			}
			if s.Domain != tt.domain {
				t.Errorf("Domain = %q, want %q", s.Domain, tt.domain)
			}
			if s.WarnBefore != 15*time.Minute {
				t.Errorf("WarnBefore = %v, want the 15m default", s.WarnBefore)
			}
			if s.Line != 1 || s.Name != "s" {
				t.Errorf("Line, Name = %d, %q; want 1, \"s\"", s.Line, s.Name)
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
