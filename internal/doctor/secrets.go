package doctor

import (
	"errors"
	"fmt"
	"slices"

	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// The keyring entry doctor reads to see whether the keyring answers. It
// is never written: "not found" is the expected answer.
const (
	probeSession = "ssokeeper-doctor"
	probeKey     = "probe"
)

// Keyring reads a probe entry. Not found means the keyring answered.
func Keyring(sec store.Secrets) Check {
	return timed(func() Check {
		_, err := sec.Get(probeSession, probeKey)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fail(NameKeyring, err.Error(), health.Describe(health.KeyringUnavailable).Fix)
		}
		return pass(NameKeyring, "the keyring answered")
	})
}

const noRefreshToken = "no refresh token is stored for "

// RefreshToken checks that the session's refresh token is in the keyring.
// Its value is never shown, not even its length.
func RefreshToken(sec store.Secrets, name string) Check {
	return timed(func() Check {
		v, err := sec.Get(name, store.RefreshToken)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && v == ""):
			return fail(NameRefreshToken, noRefreshToken+name,
				fmt.Sprintf("Sign in: `ssokeeper login %s` (or click the ssokeeper icon).", name))
		case err != nil:
			return fail(NameRefreshToken, "cannot read it: "+err.Error(), health.Describe(health.KeyringUnavailable).Fix)
		}
		return pass(NameRefreshToken, "a refresh token is stored in the keyring")
	})
}

// offlineProviders ask for a refresh token with the offline_access scope.
var offlineProviders = []string{"oidc", "entra", "okta", "keycloak", "auth0"}

// Scopes checks that the session asks the identity provider for a refresh
// token: offline_access for most, access_type=offline for Google.
func Scopes(s config.Session) Check {
	switch {
	case s.Provider == "google":
		if s.AuthParams["access_type"] == "offline" {
			return pass(NameScopes, "auth_params has access_type = \"offline\"")
		}
		return warn(NameScopes, "auth_params lacks access_type = \"offline\", so Google issues no refresh token",
			"Remove access_type from auth_params (the google preset sets it), or set it to \"offline\".")
	case slices.Contains(offlineProviders, s.Provider):
		if slices.Contains(s.Scopes, "offline_access") {
			return pass(NameScopes, "scopes include offline_access")
		}
		return warn(NameScopes, "scopes lack offline_access, so many identity providers issue no refresh token",
			`Add "offline_access" to scopes for this session (or remove the scopes line for the provider's default).`)
	}
	return pass(NameScopes, s.Provider+": ssokeeper asks for the refresh grant itself")
}
