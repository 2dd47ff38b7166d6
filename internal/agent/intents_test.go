package agent_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// TestLoginInTurnOpensOneTabAtATime: "Sign in to all that need it" and a
// grouped notification's Sign in open one browser tab at a time — the
// second session's page opens only once the first sign-in has finished —
// and skip a session that works again by its turn.
func TestLoginInTurnOpensOneTabAtATime(t *testing.T) {
	cfgPath, _ := isolate(t)
	p := testidp.Start(t, testidp.Options{})
	cfg := ""
	for _, name := range []string{"one", "two", "three"} {
		cfg += "[[session]]\nname = \"" + name + "\"\nprovider = \"oidc\"\nissuer = \"" + p.Issuer() +
			"\"\nclient_id = \"" + p.ClientID() + "\"\nscopes = [\"openid\", \"offline_access\"]\n"
	}
	os.MkdirAll(cfgPath[:len(cfgPath)-len("/config.toml")], 0o700) //nolint:errcheck
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := agent.Start(ctx, agent.Options{Secrets: store.NewMemory()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Wait()
	defer cancel()

	// "three" is signed in first: by its turn it works, so it is skipped.
	if err := a.Manager.Login(ctx, "three", session.LoginRequest{OpenURL: func(u string) error {
		go p.Browse(ctx, u) //nolint:errcheck
		return nil
	}}); err != nil {
		t.Fatal(err)
	}

	opened := make(chan string, 3)
	release := make(chan struct{})
	in := agent.Intents{Ctx: ctx, M: a.Manager, Log: a.Log, OpenURL: func(u string) error {
		opened <- u
		go func() {
			<-release        // the person takes their time with this tab
			p.Browse(ctx, u) //nolint:errcheck
		}()
		return nil
	}}
	in.LoginInTurn([]string{"three", "one", "two"})

	waitOpened := func() {
		t.Helper()
		select {
		case <-opened:
		case <-time.After(30 * time.Second):
			t.Fatal("no sign-in page opened")
		}
	}
	waitOpened()
	// The first page is one's ("three" works, so it was skipped); while
	// that tab is open, the second sign-in has not started.
	snap := a.Manager.Snapshot()
	if one, _ := snap.Get("one"); !one.LoginPending {
		t.Fatal("the first page opened is not one's")
	}
	for _, name := range []string{"two", "three"} {
		if st, _ := snap.Get(name); st.LoginPending {
			t.Fatalf("%s's sign-in started while one's was pending", name)
		}
	}
	release <- struct{}{}
	waitOpened()
	if st, _ := a.Manager.Snapshot().Get("one"); st.State != health.Healthy {
		t.Fatalf("the second page opened before the first sign-in finished: one is %s", st.State)
	}
	release <- struct{}{}
	updates, stop := a.Manager.Subscribe()
	defer stop()
	for {
		if st, _ := a.Manager.Snapshot().Get("two"); st.State == health.Healthy {
			break
		}
		select {
		case <-updates:
		case <-time.After(30 * time.Second):
			t.Fatal("the second sign-in did not finish")
		}
	}
}
