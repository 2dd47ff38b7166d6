package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// TestDemo runs the demo headless in this process and plays it as a
// person would: watch the first refresh, revoke the session at the IdP,
// repair it with the tray's sign-in (finished from the control page), take
// the IdP down and bring it back, skew its clock and set it right.
//
// The agent is started with agent.Start and the demo's options rather
// than through cli.RunAgent, which keeps the manager to itself; the test
// needs the manager's updates to wait on events instead of polling.
func TestDemo(t *testing.T) {
	d, err := Setup()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	if cfg, _ := paths.ConfigFile(); !strings.HasPrefix(cfg, d.Dir) {
		t.Fatalf("the demo's configuration %s is outside its temporary folder %s", cfg, d.Dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.SignInFirst(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	opts := d.AgentOptions()
	a, err := agent.Start(runCtx, opts)
	if err != nil {
		stop()
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(); a.Wait() })
	updates, unsubscribe := a.Manager.Subscribe()
	defer unsubscribe()
	w := waiter{t: t, m: a.Manager, updates: updates}
	ctl, err := d.Serve()
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()

	w.until("the first refresh", func(st session.Status) bool {
		return d.IdP.RefreshCount() > 0 && st.State == health.Healthy
	})
	if page := get(t, ctl.URL); !strings.Contains(page, "healthy") || !strings.Contains(page, d.IdP.Password()) {
		t.Errorf("control page lacks the status or the credentials:\n%s", page)
	}

	press(t, ctl.URL, "revoke", "revoked")
	press(t, ctl.URL, "refresh", "")
	st := w.until("needs_login after the revocation", func(st session.Status) bool {
		return st.State == health.NeedsLogin
	})
	if st.Reason != health.RefreshTokenRevoked && st.Reason != health.RefreshTokenInvalid {
		t.Errorf("reason %q after the revocation, want refresh_token_revoked or refresh_token_invalid", st.Reason)
	}

	// The tray's and the notification's Sign in: the agent opens the
	// login page; the person finishes it from the control page.
	agent.Intents{Ctx: runCtx, M: a.Manager, Log: a.Log, OpenURL: opts.OpenURL}.Login(sessionName)
	select {
	case u := <-d.opened:
		if !strings.HasPrefix(u, d.IdP.Issuer()) {
			t.Errorf("sign-in opened %s, want the IdP's login page", u)
		}
	case <-ctx.Done():
		t.Fatal("the sign-in opened no browser")
	}
	press(t, ctl.URL, "finish", "Signed in")
	w.until("healthy after signing in again", func(st session.Status) bool {
		return st.State == health.Healthy && st.Reason == health.None
	})

	press(t, ctl.URL, "down", "down")
	press(t, ctl.URL, "refresh", "")
	w.until("retrying while the IdP is down", func(st session.Status) bool {
		return st.State == health.Retrying && st.Reason == health.IdPUnreachable
	})
	press(t, ctl.URL, "up", "up again")
	press(t, ctl.URL, "refresh", "Refreshed")
	w.until("healthy with the IdP back", func(st session.Status) bool { return st.State == health.Healthy })

	press(t, ctl.URL, "skew", "10 minutes ahead")
	press(t, ctl.URL, "refresh", "")
	w.until("clock skew reported", func(st session.Status) bool {
		return st.State == health.Degraded && st.Reason == health.ClockSkew
	})
	if page := get(t, ctl.URL); !strings.Contains(page, `action="unskew"`) {
		t.Errorf("control page does not offer to fix the clock:\n%s", page)
	}
	press(t, ctl.URL, "unskew", "right again")
	press(t, ctl.URL, "refresh", "Refreshed")
	w.until("healthy with the clock right", func(st session.Status) bool { return st.State == health.Healthy })

	press(t, ctl.URL, "signin", "Signed in") // the control page's own sign-in, without a tray
}

// waiter waits for the demo session's status on the manager's updates.
type waiter struct {
	t       *testing.T
	m       *session.Manager
	updates <-chan session.Update
}

func (w waiter) until(what string, ok func(session.Status) bool) session.Status {
	w.t.Helper()
	if st, found := w.m.Snapshot().Get(sessionName); found && ok(st) {
		return st
	}
	deadline := time.After(20 * time.Second) // only guards against a hang
	for {
		select {
		case u := <-w.updates:
			if st, found := u.Snapshot.Get(sessionName); found && ok(st) {
				return st
			}
		case <-deadline:
			st, _ := w.m.Snapshot().Get(sessionName)
			w.t.Fatalf("timed out waiting for %s: the session is %s/%s (%s)", what, st.State, st.Reason, st.Detail)
		}
	}
}

// press posts a control page button and checks the message shown after it.
func press(t *testing.T, base, action, want string) {
	t.Helper()
	resp, err := http.PostForm(base+action, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) || strings.Contains(string(body), "Failed:") {
		t.Fatalf("%s: %s, want a page saying %q:\n%s", action, resp.Status, want, body)
	}
}

func get(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}
