//go:build linux

package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// TestKillNineDuringRotation kills the agent (a real `ssokeeper run
// --headless` process, on the real keyring) with SIGKILL at a random moment
// while it refreshes back to back against the test OP, which rotates
// refresh tokens and revokes the whole family when a rotated one comes
// back. 50 rounds.
//
// What it asserts, every round: when the refresh token in the keyring is
// still the IdP's live one at the moment of the kill, the restarted agent
// refreshes with it and the session is healthy: nothing is lost. The only
// other outcome allowed is the window no client can close: the IdP rotated
// the token and the process died before the new one reached the keyring.
// Then the keyring holds the rotated-away token; the restarted agent
// presents it, the IdP revokes the family, and the session needs a sign-in
// (the test signs in again and goes on).
//
// What it measures (logged, not asserted, since it depends on timing): how
// many of the 50 kills hit that window, and its width, estimated two ways:
// the hit rate times the length of one refresh cycle, and the time of one
// keyring write here (the window is the reply's last bytes, parsing it,
// and that write). Two runs on the loaded 2-core VM: 22 and 16 of 50 kills
// hit the window, 11.5 and 9.9 ms wide, against a gnome-keyring write of
// 11–13 ms; the rest kept the session. The README (Benchmarks, "kill -9
// during refreshes") has the table.
func TestKillNineDuringRotation(t *testing.T) {
	testkit.NeedSecretService(t)
	bin := testkit.Binary(t)
	name := "e2e-kill-" + strings.ToLower(rand.Text()[:8]) // the keyring is shared with other tests
	keyring := store.NewKeyring(5 * time.Second)
	t.Cleanup(func() { keyring.Delete(name, store.RefreshToken) })
	idp := testidp.Start(t, testidp.Options{AccessTokenLifetime: time.Hour, RevokeFamilyOnReuse: true})
	idp.UseBrowser(t)
	setUpSession(t, name, idp)
	sock, err := api.SocketPath()
	if err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(sock)

	const rounds = 50
	rnd := mrand.New(mrand.NewPCG(12, 10)) // the same kill moments every run
	var hits, kept, refreshes int
	var looping time.Duration

	agent := startAgentProcess(t, bin)
	if res := runCLI("login", name); res.code != 0 {
		t.Fatalf("login: %s", res)
	}
	for round := range rounds {
		// Refresh back to back until the kill, which lands at a random
		// moment: during a request, the keyring write, state.json, or idle.
		ctx, stop := context.WithCancel(context.Background())
		before := idp.RefreshCount()
		began := time.Now()
		go func() {
			for ctx.Err() == nil {
				if err := c.Refresh(ctx, name); err != nil {
					return
				}
			}
		}()
		time.Sleep(time.Duration(rnd.Int64N(int64(300 * time.Millisecond)))) // the fault's moment, not a synchronisation
		agent.kill()
		looping += time.Since(began)
		stop()
		refreshes += idp.RefreshCount() - before

		rt, err := keyring.Get(name, store.RefreshToken)
		if err != nil {
			t.Fatalf("round %d: no refresh token in the keyring after the kill: %v", round, err)
		}
		live := idp.RefreshTokenLive(rt)

		agent = startAgentProcess(t, bin)
		rctx, cancel := context.WithTimeout(context.Background(), wait)
		err = c.Refresh(rctx, name)
		cancel()
		st := status(t, name)
		switch {
		case live:
			kept++
			if err != nil || st.State != health.Healthy {
				t.Fatalf("round %d: the keyring's refresh token was live, yet after restart: %v (%s/%s)", round, err, st.State, st.Reason)
			}
		default:
			// The window: the IdP rotated, the process died before the
			// keyring write. The restart spent the old token: family gone.
			hits++
			if st.State != health.NeedsLogin {
				t.Fatalf("round %d: the keyring held a rotated-away token, yet the session is %s/%s", round, st.State, st.Reason)
			}
			if res := runCLI("login", name); res.code != 0 {
				t.Fatalf("round %d: sign-in after the lost window: %s", round, res)
			}
		}
	}
	agent.kill()

	write := keyringWriteTime(t, keyring, name)
	cycle := looping / time.Duration(max(refreshes, 1))
	t.Logf("%d kills: %d kept the session, %d hit the window (IdP rotated, keyring not yet written)", rounds, kept, hits)
	t.Logf("refresh cycle %v (%d refreshes in %v of looping); window ≈ hit rate × cycle = %v; one keyring write (median of 20) %v",
		cycle.Round(time.Microsecond), refreshes, looping.Round(time.Millisecond),
		(cycle * time.Duration(hits) / rounds).Round(time.Microsecond), write.Round(time.Microsecond))
	if kept == 0 {
		t.Error("no kill left a live refresh token: the agent never stored a rotated token in time")
	}
}

// setUpSession writes a configuration with one session at idp and points
// every ssokeeper path (inherited by child processes) at temporary folders.
func setUpSession(t *testing.T, name string, idp *testidp.IdP) {
	t.Helper()
	cfg := testkit.Isolate(t).Config
	text := testkit.SessionTOML(name, idp.Issuer(), idp.ClientID())
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// agentProcess is `ssokeeper run --headless` as a child process.
type agentProcess struct {
	t    *testing.T
	cmd  *exec.Cmd
	done chan struct{} // stderr read to the end
}

// startAgentProcess starts the agent and returns once it serves its socket.
func startAgentProcess(t *testing.T, bin string) *agentProcess {
	t.Helper()
	p := &agentProcess{t: t, cmd: exec.Command(bin, "run", "--headless"), done: make(chan struct{})}
	out, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	ready := make(chan struct{})
	var lines []string
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), "ssokeeper agent running") {
				close(ready)
			}
		}
	}()
	select {
	case <-ready:
	case <-p.done:
		p.cmd.Wait()
		t.Fatalf("the agent stopped at once: %q", lines)
	case <-time.After(wait):
		t.Fatal("the agent did not start")
	}
	return p
}

// kill sends SIGKILL and reaps the process.
func (p *agentProcess) kill() {
	if p.cmd.ProcessState != nil {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.t.Errorf("kill -9 the agent: %v", err)
	}
	<-p.done
	p.cmd.Wait() //nolint:errcheck // killed
}

// keyringWriteTime is the median time of one refresh-token-sized keyring
// write here: the bulk of the window a kill cannot be survived in.
func keyringWriteTime(t *testing.T, k store.Secrets, name string) time.Duration {
	t.Helper()
	probe := name + "-probe"
	defer k.Delete(probe, store.RefreshToken)
	rt, _ := k.Get(name, store.RefreshToken)
	var took []time.Duration
	for i := range 20 {
		start := time.Now()
		if err := k.Set(probe, store.RefreshToken, fmt.Sprintf("%s-%d", rt, i)); err != nil {
			t.Fatalf("keyring write: %v", err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	return took[len(took)/2]
}
