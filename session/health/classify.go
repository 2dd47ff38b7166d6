package health

import (
	"errors"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Diagnosis is what went wrong with a refresh or a sign-in.
type Diagnosis struct {
	Reason Reason
	// Detail is the identity provider's own words (or the network's), trimmed
	// to about 300 characters, with anything that looks like a token removed.
	Detail string
	// Transient: keep the refresh token and retry with backoff. False: the
	// answer is definite and retrying the same request will not help.
	Transient bool
	// RetryAfter is the wait the server asked for (Retry-After on 429/5xx,
	// or the device flow's slow_down); zero when it asked for none.
	RetryAfter time.Duration
}

// RefreshTokenDead reports whether the refresh token can be thrown away:
// only a definite answer whose reason needs a new sign-in kills it. A
// misconfigured client or an unknown failure keeps it.
func (d Diagnosis) RefreshTokenDead() bool {
	return !d.Transient && Describe(d.Reason).State == NeedsLogin && !RetriesSlowly(d.Reason)
}

// RetriesSlowly reports whether a session failing for reason r keeps its
// refresh token and tries it again after a long wait (hours, not the
// transient 5 s..5 min backoff) while it asks the person for attention:
// the IdP refused for a cause no table names, which may pass by itself.
func RetriesSlowly(r Reason) bool { return r == IdPRefused }

// Reasoner is implemented by errors that already know their cause (the
// token store's keyring errors, the configuration's errors), so the manager
// can hand Classify every error it meets.
type Reasoner interface {
	Reason() Reason
}

// maxDetail bounds Detail: enough for an Entra message with its trace ID.
const maxDetail = 300

// Classify diagnoses the error of a refresh or a sign-in. The Detail it
// gives, and the RetrieveErrors in err, are scrubbed of the Known secrets
// and of secrets: whatever an IdP quotes back never goes further. It reads
// *oauth2.RetrieveError (also behind wrapping), network and TLS errors, and
// errors that implement Reasoner. Anything it does not recognise is an
// idp_error and transient, so an unknown failure never costs a refresh token.
func Classify(err error, secrets ...string) Diagnosis {
	if err == nil {
		return Diagnosis{}
	}
	all := append(Known.Values(), secrets...)
	scrubReplies(err, all)
	d := classify(err)
	d.Detail = clean(scrubExact(d.Detail, all))
	return d
}

func classify(err error) Diagnosis {
	var rs Reasoner
	if errors.As(err, &rs) {
		detail := err.Error()
		if d, ok := rs.(interface{ Detail() string }); ok {
			detail = d.Detail() // its own words, without the wrapping around it
		}
		return diagnose(rs.Reason(), detail)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return classifyReply(re)
	}
	if d, ok := classifyTLS(err); ok {
		return d
	}
	if d, ok := classifyNetwork(err); ok {
		return d
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "refresh token is not set"), // x/oauth2's tokenRefresher
		strings.Contains(msg, "no refresh token"):
		return diagnose(RefreshTokenMissing, "no refresh token is stored for this session")
	case strings.Contains(msg, "unexpected EOF"): // x/oauth2 flattens body read errors with %v
		return diagnose(IdPUnreachable, "the connection closed before the identity provider's reply was complete")
	case strings.Contains(msg, "missing access_token"):
		return diagnose(IdPError, "the identity provider's reply had no access_token")
	}
	return diagnose(IdPError, stripQueries(msg))
}

func diagnose(r Reason, detail string) Diagnosis {
	return Diagnosis{Reason: r, Detail: detail, Transient: transient(r)} // Classify cleans it
}

// transient lists the reasons that keep the refresh token and retry. Clock
// skew is among them: the token is fine, the local clock is not.
func transient(r Reason) bool {
	switch r {
	case ClockSkew, IdPUnreachable, IdPError, TLSError, KeyringUnavailable:
		return true
	}
	return false
}

// classifyReply reads an OAuth error reply from the token endpoint.
