package tray

import (
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// A session the IdP refused for a cause no table names keeps its refresh
// token: the menu offers to sign in and to try the refresh again now.
func TestRefusedSessionOffersSignInAndRefresh(t *testing.T) {
	st := session.Status{Name: "work", State: health.NeedsLogin, Reason: health.IdPRefused, Detail: "invalid_target: no such audience"}
	it, kind := renderSession(st, time.Now())
	if !it.NeedsLogin || !it.CanRefresh || !strings.Contains(it.Label, "identity provider refused the refresh") {
		t.Errorf("got %+v (kind %v), want sign-in and refresh offered, and the cause in the label", it, kind)
	}
}
