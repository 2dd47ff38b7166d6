package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

func TestReloadBetweenKeyringRefusalAndRetryKeepsRotatedToken(t *testing.T) {
	for _, change := range []bool{false, true} {
		t.Run(fmt.Sprintf("config changed=%v", change), func(t *testing.T) {
			// Tokens live 10 min: only the keyring retry can store the
			// rotated token while the test waits.
			r, name, k := newKeyringRig(t, testidp.Options{AccessTokenLifetime: 10 * time.Minute})
			r.login(name)
			old := r.refreshToken(name)
			k.refuseWrites.Store(true)
			r.m.Refresh(context.Background(), name) //nolint:errcheck
			r.waitState(name, health.Degraded, health.KeyringUnavailable)
			// The config is reloaded while the rotated token lives only in
			// memory.
			cfg := &config.Config{Sessions: append([]config.Session(nil), r.cfg.Sessions...)}
			if change {
				cfg.Sessions[0].WarnBefore = 20 * time.Minute
			}
			r.m.Reload(cfg, nil)
			if st, _ := r.m.Snapshot().Get(name); st.Reason != health.KeyringUnavailable {
				t.Fatalf("the reload lost the diagnosis: %s/%s", st.State, st.Reason)
			}
			k.refuseWrites.Store(false)
			before := r.idp.RefreshCount()
			r.clk.Advance(31 * time.Second)
			r.waitState(name, health.Healthy, health.None)
			if rt := r.refreshToken(name); rt == "" || rt == old {
				t.Fatal("the rotated refresh token never reached the keyring after the reload")
			}
			if r.idp.RefreshCount() != before {
				t.Fatal("a refresh, not the keyring retry, stored the token")
			}
			// A restart forgets memory: only the stored token carries on.
			before = r.idp.RefreshCount()
			r.restart()
			r.healedWithoutSignIn(name, before)
		})
	}
}

func TestIDTokenAfterRestart(t *testing.T) {
	r, name, _ := newKeyringRig(t, testidp.Options{})
	r.login(name)
	tok, err := r.m.Token(context.Background(), name, 0)
	if err != nil || tok.IDToken == "" {
		t.Fatalf("no ID token after sign-in: %v", err)
	}
	before := r.idp.RefreshCount()
	r.restart()
	r.healedWithoutSignIn(name, before)
	tok, err = r.m.Token(context.Background(), name, 0)
	if err != nil || tok.IDToken == "" {
		t.Fatalf("no ID token after a restart: %v", err)
	}
}

// TestIDTokenKeptAcrossRestart: an IdP that sends an ID token only at
// sign-in; after a restart `token --id-token` still has one, from the
// keyring, without a new sign-in.
func TestIDTokenKeptAcrossRestart(t *testing.T) {
	r, name, _ := newKeyringRig(t, testidp.Options{})
	r.idp.OmitIDTokenOnRefresh(true)
	r.login(name)
	first, err := r.m.Token(context.Background(), name, 0)
	if err != nil || first.IDToken == "" {
		t.Fatalf("no ID token after sign-in: %v", err)
	}
	before := r.idp.RefreshCount()
	r.restart()
	r.healedWithoutSignIn(name, before)
	tok, err := r.m.Token(context.Background(), name, 0)
	if err != nil || tok.IDToken != first.IDToken {
		t.Fatalf("after a restart and a refresh without an ID token: %v, ID token kept: %v", err, tok.IDToken == first.IDToken)
	}
	if !strings.Contains(r.logBuf.String(), "refreshed") || strings.Contains(r.logBuf.String(), first.IDToken) {
		t.Fatal("the log holds the ID token, or no refresh happened")
	}
	// Sign-out forgets it.
	if err := r.m.Logout(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	if _, err := r.keys.Get(name, store.IDToken); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the ID token stayed in the keyring after sign-out: %v", err)
	}
}
