package awssso

import (
	"errors"
	"fmt"

	"github.com/ssokeeper/ssokeeper/session/health"
	"golang.org/x/oauth2"
)

// reasonError carries a cause ssokeeper knows better than the reply's
// error code says; health.Classify reads Reason() before anything else.
type reasonError struct {
	reason health.Reason
	err    error
}

func (e *reasonError) Error() string         { return e.err.Error() }
func (e *reasonError) Unwrap() error         { return e.err }
func (e *reasonError) Reason() health.Reason { return e.reason }

// ErrRegistrationExpired: the client registration the refresh token belongs
// to has expired, so only a new sign-in (which registers anew) helps.
var ErrRegistrationExpired = errors.New("ssokeeper's client registration with IAM Identity Center has expired")

// registrationExpired is the refresh error when the registration ran out.
func registrationExpired(reg *registration) error {
	return &reasonError{health.RefreshTokenExpired, fmt.Errorf(
		"%w (at %s) and the refresh token belongs to it; sign in again to renew it",
		ErrRegistrationExpired, reg.ExpiresAt)}
}

// noRegistration is the refresh error when no client is known at all.
func noRegistration(cachePath string) error {
	return &reasonError{health.RefreshTokenInvalid, fmt.Errorf(
		"no IAM Identity Center client registration is known (neither in %s nor in ssokeeper's copy), so the refresh token cannot be used; sign in again",
		cachePath)}
}

// clientRejected turns AWS's InvalidClientException on a refresh into
// needs-login: ssokeeper registers its client itself, so there is no
// client_id to fix in a configuration; a new sign-in registers anew.
func clientRejected(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode == "invalid_client" {
		return &reasonError{health.RefreshTokenInvalid, fmt.Errorf(
			"%w (IAM Identity Center no longer accepts ssokeeper's client registration; sign in again to register anew)", err)}
	}
	return err
}
