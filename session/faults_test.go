package session_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// realKeyring returns the Secret Service the test harness runs, behind a
// switch that makes it refuse writes. It skips (or fails, under
// scripts/test.sh) when there is none.
func realKeyring(t *testing.T) *faultyKeyring {
	t.Helper()
	missing := func(why string) { testkit.Missing(t, why) }
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("no D-Bus session bus")
	}
	k := store.NewKeyring(5 * time.Second)
	if _, err := k.Get("ssokeeper-test-probe", "probe"); !errors.Is(err, store.ErrNotFound) {
		missing(fmt.Sprintf("the Secret Service does not work: %v", err))
	}
	return &faultyKeyring{Secrets: k}
}

// faultyKeyring is the real keyring, except that writes fail while
// refuseWrites is set, as a keyring locked mid-run does.
type faultyKeyring struct {
	store.Secrets
	refuseWrites atomic.Bool
}

func (k *faultyKeyring) Set(session, key, value string) error {
	if k.refuseWrites.Load() {
		return fmt.Errorf("%w: the keyring is locked (injected)", store.ErrUnavailable)
	}
	return k.Secrets.Set(session, key, value)
}

// newKeyringRig is a rig whose manager uses the real keyring, with one
// session of a name no other test uses.
func newKeyringRig(t *testing.T, opts testidp.Options) (*rig, string, *faultyKeyring) {
	t.Helper()
	k := realKeyring(t)
	name := fmt.Sprintf("work-%d", rand.Uint32())
	t.Cleanup(func() {
		for _, key := range []string{store.RefreshToken, store.IDToken} {
			k.Secrets.Delete(name, key) //nolint:errcheck
		}
	})
	r := bareRig(t, opts)
	r.keys = k
	r.cfg = &config.Config{Sessions: []config.Session{r.sessionConfig(name)}}
	r.start()
	// Let the keyring probe of the new session end (it finds nothing), so
	// that no late write of it lands in a later step of the test.
	deadline := time.After(15 * time.Second)
	for settled := false; !settled; {
		select {
		case u := <-r.updates:
			st, _ := u.Snapshot.Get(name)
			settled = st.State == health.NeedsLogin
		case <-deadline:
			t.Fatal("the keyring probe of a new session did not end")
		}
	}
	return r, name, k
}

// freshUpdates subscribes anew, so that what a test then reads starts with
// the current snapshot and not with updates queued earlier.
func (r *rig) freshUpdates() {
	updates, unsub := r.m.Subscribe()
	r.updates = updates
	r.t.Cleanup(unsub)
}

// healedWithoutSignIn waits until name is healthy after a refresh at the
// IdP, and fails if any update on the way said it needs a sign-in.
func (r *rig) healedWithoutSignIn(name string, before int) {
	r.t.Helper()
	deadline := time.After(15 * time.Second)
	check := func(u session.Update) bool {
		for _, ev := range u.Events {
			if ev.Session == name && ev.Kind == session.StateChanged && (ev.To.NeedsAction() || ev.To == health.LoggedOut) {
				r.t.Fatalf("%s went %s (%s) on the way: a person would have been asked to sign in", name, ev.To, ev.Reason)
			}
		}
		st, _ := u.Snapshot.Get(name)
		if st.State.NeedsAction() {
			r.t.Fatalf("%s shown as %s/%s on the way", name, st.State, st.Reason)
		}
		return st.State == health.Healthy && r.idp.RefreshCount() > before
	}
	for {
		select {
		case u := <-r.updates:
			if check(u) {
				return
			}
		case <-deadline:
			st, _ := r.m.Snapshot().Get(name)
			r.t.Fatalf("%s not healthy in time: %s/%s (%s)", name, st.State, st.Reason, st.Detail)
		}
	}
}
