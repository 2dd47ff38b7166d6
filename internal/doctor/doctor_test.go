package doctor_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/store"
)

func TestHappyPathThroughTheAgent(t *testing.T) {
	f := newFixture(t)
	f.enableAutostart(testExe(t))
	a := f.startAgent()
	f.signIn(a.Manager)
	before := f.idp.RefreshCount()

	rep := f.run(f.input(true))
	if !rep.OK() {
		t.Errorf("report not OK: %+v", rep)
	}
	want := []string{doctor.NameConfig, doctor.NameDiscovery, doctor.NameClock, doctor.NameKeyring,
		doctor.NameRefreshToken, doctor.NameClient, doctor.NameScopes, doctor.NameAgent, doctor.NameAutostart}
	got := rep.Sessions[0].Checks
	if len(got) != len(want) {
		t.Fatalf("got %d checks, want %d: %+v", len(got), len(want), got)
	}
	for i, c := range got {
		if c.Name != want[i] {
			t.Errorf("check %d is %q, want %q", i, c.Name, want[i])
		}
		wantPass(t, c)
	}
	if f.idp.RefreshCount() != before+1 {
		t.Errorf("--refresh made %d refreshes at the IdP, want 1", f.idp.RefreshCount()-before)
	}
	if d := check(t, rep, doctor.NameDiscovery).Detail; !strings.Contains(d, " ms") {
		t.Errorf("discovery detail %q does not say how long it took", d)
	}
}

func TestWithoutRefreshReportsTheLastResult(t *testing.T) {
	f := newFixture(t)
	f.signIn(f.localManager())
	before := f.idp.RefreshCount()

	rep := f.run(f.input(false))
	wantPass(t, check(t, rep, doctor.NameClient))
	if f.idp.RefreshCount() != before {
		t.Error("doctor refreshed without --refresh")
	}

	// A failed refresh is remembered in state.json and reported as it was.
	f.idp.SetDown(true)
	f.localManager().Refresh(context.Background(), "work") //nolint:errcheck // recorded
	f.idp.SetDown(false)
	c := check(t, f.run(f.input(false)), doctor.NameClient)
	wantFail(t, c, "identity provider unreachable", "Run `ssokeeper doctor work --refresh` to test it now")
}

func TestIdPDown(t *testing.T) {
	f := newFixture(t)
	f.signIn(f.localManager())
	if err := f.idp.SetDown(true); err != nil {
		t.Fatal(err)
	}
	rep := f.run(f.input(true))
	if rep.OK() {
		t.Error("report OK with the IdP down")
	}
	wantFail(t, check(t, rep, doctor.NameDiscovery), "refused", "network")
	if c := check(t, rep, doctor.NameClock); !c.Warn {
		t.Errorf("clock with no reply: want a warning, got %+v", c)
	}
	wantFail(t, check(t, rep, doctor.NameClient), "identity provider unreachable", "retries")
	wantPass(t, check(t, rep, doctor.NameRefreshToken)) // a transient failure keeps it
}

// The IdP rejects the client: its secret is wrong (invalid_client).
func TestWrongClient(t *testing.T) {
	f := newFixture(t)
	f.signIn(f.localManager())
	id, _ := f.idp.ConfidentialClient()
	f.writeConfig(id, "client_secret = true\n")
	f.secrets.Set("work", store.ClientSecret, "not-the-secret")

	rep := f.run(f.input(true))
	wantPass(t, check(t, rep, doctor.NameDiscovery))
	wantFail(t, check(t, rep, doctor.NameClient), "client misconfigured", "client_id")
	wantPass(t, check(t, rep, doctor.NameRefreshToken)) // kept: the token was not at fault
}

func TestSkewedClock(t *testing.T) {
	f := newFixture(t)
	f.idp.SetDateOffset(10 * time.Minute)
	rep := f.run(f.input(false))
	wantFail(t, check(t, rep, doctor.NameClock), "600 s behind", "NTP")
	wantPass(t, check(t, rep, doctor.NameDiscovery))
}

func TestNoRefreshToken(t *testing.T) {
	f := newFixture(t)
	rep := f.run(f.input(true))
	wantFail(t, check(t, rep, doctor.NameRefreshToken), "no refresh token", "ssokeeper login work")
	if c := check(t, rep, doctor.NameClient); !c.Warn {
		t.Errorf("client with nothing to test with: want a warning, got %+v", c)
	}
}

func TestKeyringFailing(t *testing.T) {
	f := newFixture(t)
	f.signIn(f.localManager())
	f.secrets.SetFailure(errors.New("the collection is locked"))
	rep := f.run(f.input(false))
	wantFail(t, check(t, rep, doctor.NameKeyring), "the collection is locked", "Unlock the keyring")
	wantFail(t, check(t, rep, doctor.NameRefreshToken), "cannot read it", "Unlock the keyring")
}

func TestNoAgentUsesTheLocalState(t *testing.T) {
	f := newFixture(t)
	f.signIn(f.localManager())
	rep := f.run(f.input(false))
	wantFail(t, check(t, rep, doctor.NameAgent), "not running", "ssokeeper autostart enable")
	wantPass(t, check(t, rep, doctor.NameClient)) // read from state.json
}

func TestAutostart(t *testing.T) {
	f := newFixture(t)
	wantFail(t, check(t, f.run(f.input(false)), doctor.NameAutostart), "no start-at-login entry", "ssokeeper autostart enable")

	f.enableAutostart("/opt/old/ssokeeper")
	wantFail(t, check(t, f.run(f.input(false)), doctor.NameAutostart), "/opt/old/ssokeeper", "ssokeeper autostart enable")

	f.enableAutostart(testExe(t))
	wantPass(t, check(t, f.run(f.input(false)), doctor.NameAutostart))
}

func TestConfigInvalidStopsTheRun(t *testing.T) {
	f := newFixture(t)
	f.writeConfig(f.idp.ClientID(), "refresh_margin = \"soon\"\n")
	rep := f.run(f.input(false))
	if rep.ConfigOK() || len(rep.Sessions) != 0 || len(rep.Checks) != 1 {
		t.Fatalf("want only a failed configuration check, got %+v", rep)
	}
	wantFail(t, rep.Checks[0], "config.toml:6: refresh_margin", "ssokeeper config validate")
}

func TestUnknownSession(t *testing.T) {
	f := newFixture(t)
	in := f.input(false)
	in.Name = "play"
	_, err := doctor.Run(context.Background(), in)
	var unknown *session.UnknownSessionError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), "work") {
		t.Errorf("want an unknown-session error naming work, got %v", err)
	}
}

// After a revocation the refresh token is gone: --refresh has nothing to
// test with, so doctor reports the diagnosis instead of replacing it.
func TestRevokedSessionKeepsItsDiagnosis(t *testing.T) {
	f := newFixture(t)
	a := f.startAgent()
	f.signIn(a.Manager)
	f.idp.RevokeAll()
	if err := a.Manager.Refresh(context.Background(), "work"); err == nil {
		t.Fatal("refresh after RevokeAll succeeded")
	}
	before := f.idp.RefreshCount()
	rep := f.run(f.input(true))
	wantFail(t, check(t, rep, doctor.NameRefreshToken), "no refresh token", "ssokeeper login work")
	c := check(t, rep, doctor.NameClient)
	wantFail(t, c, "sign-in needed: refresh token", "Sign in again")
	if strings.Contains(c.Fix, "--refresh") {
		t.Errorf("fix %q suggests a refresh test with no refresh token", c.Fix)
	}
	if st, _ := a.Manager.Snapshot().Get("work"); st.Reason == "refresh_token_missing" {
		t.Errorf("doctor replaced the diagnosis: %s", st.Reason)
	}
	if f.idp.RefreshCount() != before {
		t.Error("doctor refreshed with no refresh token")
	}
}
