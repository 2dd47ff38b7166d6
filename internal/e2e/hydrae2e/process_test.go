//go:build linux

package hydrae2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// keyringRig is a rig whose processes keep the refresh token in the real
// Secret Service, under a name no other test uses.
func keyringRig(t *testing.T, l lifespans) *rig {
	t.Helper()
	testkit.NeedSecretService(t)
	r := newRig(t, l)
	r.name = "hydra-" + strings.ToLower(rand.Text()[:8])
	r.writeConfig()
	t.Cleanup(func() {
		kr := store.NewKeyring(5 * time.Second)
		kr.Delete(r.name, store.RefreshToken)
		kr.Delete(r.name, "access_token")
	})
	return r
}

func (r *rig) keyringToken() string {
	r.t.Helper()
	rt, err := store.NewKeyring(5*time.Second).Get(r.name, store.RefreshToken)
	if err != nil || rt == "" {
		r.t.Fatalf("no refresh token in the keyring: %v", err)
	}
	return rt
}

// keyringAccess is the access token a CLI without an agent keeps in the
// keyring for the next one (the "access_token" entry beside the refresh
// token).
func (r *rig) keyringAccess() (v struct {
	AccessToken string    `json:"access_token"`
	Expiry      time.Time `json:"expiry"`
}) {
	r.t.Helper()
	raw, err := store.NewKeyring(5*time.Second).Get(r.name, "access_token")
	if err == nil {
		err = json.Unmarshal([]byte(raw), &v)
	}
	if err != nil || v.AccessToken == "" {
		r.t.Fatalf("no access token in the keyring after the sign-in: %v", err)
	}
	return v
}

// TestConcurrentTokenCallsWithoutAgent: 100 ssokeeper processes ask for a
// token at once with no agent running, for a session whose sign-in token
// has expired. Each takes the session's lock in turn; the first refreshes
// and keeps the new access token in the keyring, the others find it there
// under the lock: one refresh at Hydra, which rotates the refresh token on
// every use and revokes the chain on reuse, no refusal, and one token.
func TestConcurrentTokenCallsWithoutAgent(t *testing.T) {
	// The sign-in's token lives 5 s (a lifespan of 1 s gets expires_in 0
	// from Hydra, read as "not said"); the calls start once it expired.
	r := keyringRig(t, lifespans{CodeAccess: "5s", RefreshAccess: "1h"})
	run := runBinary(t)
	r.signIn(run)
	awaitExpiry(t, r.keyringAccess().Expiry)

	results := testkit.Concurrently(100, func() result { return run("token", r.name) })
	checkTokens(t, r, results)
	n, failures := r.hydra.proxy.counts()
	t.Logf("Hydra granted %d refreshes for 100 token calls", n)
	if n != 1 || len(failures) > 0 {
		t.Errorf("Hydra granted %d refreshes and refused %q, want exactly one refresh", n, failures)
	}
	if !r.hydra.active(r.keyringToken()) {
		t.Error("the refresh token in the keyring is not active at Hydra")
	}
}

// TestAgentKilledDuringRefresh: the agent process is killed (SIGKILL)
// while its refresh request is on the way to Hydra. When the request never
// reached Hydra, the next agent refreshes with the stored refresh token
// and the session carries on. When Hydra did rotate the token and the
// reply was lost with the agent, the stored token is spent: the session
// says so and asks for a sign-in, which repairs it.
func TestAgentKilledDuringRefresh(t *testing.T) {
	for _, tc := range []struct {
		name      string
		forwarded bool
	}{{"request lost", false}, {"reply lost", true}} {
		t.Run(tc.name, func(t *testing.T) {
			// The sign-in's token lives 6 s; the agent refreshes it in the
			// background 30 s after the sign-in, its least interval.
			r := keyringRig(t, lifespans{CodeAccess: "6s", RefreshAccess: "1h"})
			run := runBinary(t)
			arrived, release := make(chan struct{}, 1), make(chan bool)
			r.hydra.proxy.holdRefreshes(func() bool {
				arrived <- struct{}{}
				return <-release
			})
			agent := startAgentProcess(t)
			r.signIn(run)
			select {
			case <-arrived:
			case <-time.After(agentFloor + wait):
				t.Fatal("the agent did not refresh in the background")
			}
			agent.kill()
			r.hydra.proxy.holdRefreshes(nil)
			release <- tc.forwarded
			ctx, cancel := context.WithTimeout(context.Background(), wait)
			defer cancel()
			if tc.forwarded {
				r.hydra.proxy.awaitRefreshes(t, ctx, 1) // Hydra rotated; nobody heard
			}

			startAgentProcess(t) // refreshes at start: there is no access token
			if !tc.forwarded {
				r.hydra.proxy.awaitRefreshes(t, ctx, 1)
				if res := run("token", r.name); res.code != 0 {
					t.Errorf("token after the restart: %s", res)
				}
				if st := status(t, run, r.name); st.State != health.Healthy {
					t.Errorf("after the restart: %s/%s %s", st.State, st.Reason, st.Detail)
				}
				return
			}
			res := run("refresh", r.name)
			_, failures := r.hydra.proxy.counts()
			t.Logf("Hydra's reply to the spent refresh token: %q", failures)
			st := status(t, run, r.name)
			if res.code != 1 || st.State != health.NeedsLogin || !strings.HasPrefix(string(st.Reason), "refresh_token_") {
				t.Errorf("refresh with the spent token: %s; status %s/%s, want needs_login for the refresh token", res, st.State, st.Reason)
			}
			if res := run("token", r.name, "--min-valid", "2h"); res.code != 1 || !strings.Contains(res.stderr, "ssokeeper login "+r.name) {
				t.Errorf("token: %s, want exit 1 and how to sign in", res)
			}
			r.signIn(run)
			if res := run("token", r.name); res.code != 0 {
				t.Errorf("token after signing in again: %s", res)
			}
		})
	}
}

// agentFloor is the least time between two refreshes the agent plans.
const agentFloor = 30 * time.Second

// agentProcess is `ssokeeper run --headless` in its own process.
type agentProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startAgentProcess(t *testing.T) *agentProcess {
	t.Helper()
	a := &agentProcess{cmd: exec.Command(testkit.Binary(t), "run", "--headless"), exited: make(chan struct{})}
	out, err := a.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	running := make(chan struct{})
	var stderr strings.Builder
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "ssokeeper agent running") {
				close(running)
			}
		}
		a.cmd.Wait()
		close(a.exited)
	}()
	t.Cleanup(a.kill)
	select {
	case <-running:
	case <-a.exited:
		t.Fatalf("the agent exited at start: %s", stderr.String())
	case <-time.After(wait):
		t.Fatal("the agent did not start")
	}
	return a
}

// kill ends the agent with SIGKILL: no chance to finish or save anything.
func (a *agentProcess) kill() {
	a.cmd.Process.Signal(syscall.SIGKILL)
	<-a.exited
}
