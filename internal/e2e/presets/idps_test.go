//go:build linux

package presets

import (
	"net/url"
	"slices"
	"strings"
)

// The IdPs at their real hostnames (Okta, Auth0 and Keycloak at a made-up
// organisation's). Discovery documents follow the real ones (fields and
// URL shapes as published at each IdP's .well-known address).
const (
	entraHost    = "login.microsoftonline.com"
	oktaHost     = "dev-31415926.okta.com"
	auth0Host    = "ssokeeper-test.eu.auth0.com"
	keycloakHost = "keycloak.example.com"

	// tenantID is contoso.onmicrosoft.com's tenant (made up); the work
	// account signs in there, also through common and organizations.
	tenantID = "3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
	// consumersTenantID is the real tenant of personal Microsoft accounts.
	consumersTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

	googleSecret = "GOCSPX-presets-test-secret"
)

func scopes(q url.Values) []string { return strings.Fields(q.Get("scope")) }

func hasOffline(q url.Values) bool { return slices.Contains(scopes(q), "offline_access") }

// entra serves one tenant by ID, by domain, and the common,
// organizations and consumers endpoints, as Microsoft's v2.0 documents do:
// a domain's document names the tenant's ID; common and organizations
// name the {tenantid} template and each ID token its own tenant (tid).
func entra(clientID string) shape {
	ms := "https://" + entraHost + "/"
	tn := func(path, endpoints, issuer, tid string) tenant {
		ep := ms + endpoints
		return tenant{
			discovery: ms + path + "/v2.0/.well-known/openid-configuration",
			doc: map[string]any{
				"issuer":                                issuer,
				"authorization_endpoint":                ep + "/oauth2/v2.0/authorize",
				"token_endpoint":                        ep + "/oauth2/v2.0/token",
				"device_authorization_endpoint":         ep + "/oauth2/v2.0/devicecode",
				"end_session_endpoint":                  ep + "/oauth2/v2.0/logout",
				"jwks_uri":                              ep + "/discovery/v2.0/keys",
				"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
				"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
				"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
				"subject_types_supported":               []string{"pairwise"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
				"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "tid", "ver", "name", "preferred_username"},
				"tenant_region_scope":                   "EU",
				"cloud_instance_name":                   "microsoftonline.com",
			},
			iss:    ms + tid + "/v2.0",
			claims: map[string]string{"tid": tid, "ver": "2.0"},
		}
	}
	own := ms + tenantID + "/v2.0"
	template := ms + "{tenantid}/v2.0"
	return shape{
		tenants: []tenant{
			tn("contoso.onmicrosoft.com", tenantID, own, tenantID),
			tn(tenantID, tenantID, own, tenantID),
			tn("common", "common", template, tenantID),
			tn("organizations", "organizations", template, tenantID),
			tn("consumers", "consumers", ms+consumersTenantID+"/v2.0", consumersTenantID),
		},
		refreshToken: hasOffline,
		rotates:      true,
		revoked:      "entra-refresh-revoked-password-change.json",
	}
}

// okta serves an Okta org's own authorization server (issuer: the org's
// address) and its "default" custom one (issuer .../oauth2/default).
func okta() shape {
	org := "https://" + oktaHost
	as := func(issuer, endpoints string) tenant {
		return tenant{
			discovery: issuer + "/.well-known/openid-configuration",
			doc: map[string]any{
				"issuer":                                issuer,
				"authorization_endpoint":                endpoints + "/v1/authorize",
				"token_endpoint":                        endpoints + "/v1/token",
				"userinfo_endpoint":                     endpoints + "/v1/userinfo",
				"registration_endpoint":                 org + "/oauth2/v1/clients",
				"jwks_uri":                              endpoints + "/v1/keys",
				"revocation_endpoint":                   endpoints + "/v1/revoke",
				"introspection_endpoint":                endpoints + "/v1/introspect",
				"end_session_endpoint":                  endpoints + "/v1/logout",
				"device_authorization_endpoint":         endpoints + "/v1/device/authorize",
				"response_types_supported":              []string{"code", "id_token", "code id_token", "code token", "id_token token", "code id_token token"},
				"grant_types_supported":                 []string{"authorization_code", "implicit", "refresh_token", "password", "urn:ietf:params:oauth:grant-type:device_code"},
				"scopes_supported":                      []string{"openid", "profile", "email", "address", "phone", "offline_access", "device_sso"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"},
				"code_challenge_methods_supported":      []string{"S256"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
			},
			iss: issuer,
		}
	}
	return shape{
		tenants: []tenant{
			as(org, org+"/oauth2"),
			as(org+"/oauth2/default", org+"/oauth2/default"),
		},
		refreshToken: hasOffline,
		rotates:      true, // "Rotate token after every use", the default for native apps
		revoked:      "okta-refresh-invalid-or-expired.json",
	}
}

// google: discovery at accounts.google.com names the token and revocation
// endpoints at oauth2.googleapis.com and the keys at www.googleapis.com.
// It refuses offline_access; a refresh token comes with access_type=offline
// (and again after the first consent only with prompt=consent); desktop
// clients have a secret; refresh tokens do not rotate.
func google() shape {
	return shape{
		tenants: []tenant{{
			discovery: "https://accounts.google.com/.well-known/openid-configuration",
			doc: map[string]any{
				"issuer":                                "https://accounts.google.com",
				"authorization_endpoint":                "https://accounts.google.com/o/oauth2/v2/auth",
				"device_authorization_endpoint":         "https://oauth2.googleapis.com/device/code",
				"token_endpoint":                        "https://oauth2.googleapis.com/token",
				"userinfo_endpoint":                     "https://openidconnect.googleapis.com/v1/userinfo",
				"revocation_endpoint":                   "https://oauth2.googleapis.com/revoke",
				"jwks_uri":                              "https://www.googleapis.com/oauth2/v3/certs",
				"response_types_supported":              []string{"code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"},
				"subject_types_supported":               []string{"public"},
				"id_token_signing_alg_values_supported": []string{"RS256"},
				"scopes_supported":                      []string{"openid", "email", "profile"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
				"code_challenge_methods_supported":      []string{"plain", "S256"},
				"grant_types_supported":                 []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
			},
			iss: "https://accounts.google.com",
		}},
		authorize: func(q url.Values) string {
			if hasOffline(q) {
				return "Some requested scopes were invalid. {invalid=[offline_access]}"
			}
			return ""
		},
		refreshToken: func(q url.Values) bool {
			return q.Get("access_type") == "offline" && q.Get("prompt") == "consent"
		},
		secret:  googleSecret,
		revoked: "google-expired-or-revoked.json",
	}
}

// auth0: the issuer ends with a slash; an API's tokens need audience.
func auth0(audience string) shape {
	base := "https://" + auth0Host
	return shape{
		tenants: []tenant{{
			discovery: base + "/.well-known/openid-configuration",
			doc: map[string]any{
				"issuer":                                base + "/",
				"authorization_endpoint":                base + "/authorize",
				"token_endpoint":                        base + "/oauth/token",
				"device_authorization_endpoint":         base + "/oauth/device/code",
				"userinfo_endpoint":                     base + "/userinfo",
				"mfa_challenge_endpoint":                base + "/mfa/challenge",
				"jwks_uri":                              base + "/.well-known/jwks.json",
				"registration_endpoint":                 base + "/oidc/register",
				"revocation_endpoint":                   base + "/oauth/revoke",
				"end_session_endpoint":                  base + "/oidc/logout",
				"scopes_supported":                      []string{"openid", "profile", "offline_access", "name", "email"},
				"response_types_supported":              []string{"code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"},
				"code_challenge_methods_supported":      []string{"S256", "plain"},
				"id_token_signing_alg_values_supported": []string{"HS256", "RS256", "PS256"},
				"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
			},
			iss: base + "/",
		}},
		authorize: func(q url.Values) string {
			if q.Get("audience") != audience {
				return "audience " + q.Get("audience") + " is not " + audience
			}
			return ""
		},
		refreshToken: hasOffline,
		rotates:      true, // refresh token rotation on
		revoked:      "auth0-unknown-refresh-token.json",
	}
}

// keycloak: realm "main" on a Keycloak 17+ host (no /auth prefix); it
// always issues a refresh token and says how long it lives.
func keycloak() shape {
	realm := "https://" + keycloakHost + "/realms/main"
	oc := realm + "/protocol/openid-connect"
	return shape{
		tenants: []tenant{{
			discovery: realm + "/.well-known/openid-configuration",
			doc: map[string]any{
				"issuer":                                realm,
				"authorization_endpoint":                oc + "/auth",
				"token_endpoint":                        oc + "/token",
				"introspection_endpoint":                oc + "/token/introspect",
				"userinfo_endpoint":                     oc + "/userinfo",
				"end_session_endpoint":                  oc + "/logout",
				"jwks_uri":                              oc + "/certs",
				"revocation_endpoint":                   oc + "/revoke",
				"device_authorization_endpoint":         oc + "/auth/device",
				"grant_types_supported":                 []string{"authorization_code", "implicit", "refresh_token", "password", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"},
				"response_types_supported":              []string{"code", "none", "id_token", "token", "id_token token", "code id_token", "code token", "code id_token token"},
				"code_challenge_methods_supported":      []string{"plain", "S256"},
				"id_token_signing_alg_values_supported": []string{"PS384", "RS384", "EdDSA", "ES384", "HS256", "HS512", "ES256", "RS256", "HS384", "ES512", "PS256", "PS512", "RS512"},
				"scopes_supported":                      []string{"openid", "offline_access", "profile", "email", "address", "phone", "roles", "web-origins", "acr", "microprofile-jwt", "basic"},
			},
			iss: realm,
		}},
		refreshToken: func(url.Values) bool { return true },
		rotates:      true,
		keycloak:     true,
		revoked:      "keycloak-session-not-active.json",
	}
}
