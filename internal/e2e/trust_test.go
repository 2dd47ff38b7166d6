//go:build linux

package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/internal/testuser"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// TestAnotherUserPosesAsTheAgent: with no XDG_RUNTIME_DIR the socket's
// usual place is $TMPDIR/ssokeeper-UID, which a second local user creates
// first and serves a hostile agent in. Every command says in one line
// which directory it refuses and why, and never shows what that agent
// says; our agent listens at the fallback in the state directory, where
// the command line finds it: sign-in, status and token all work.
func TestAnotherUserPosesAsTheAgent(t *testing.T) {
	u := testuser.Create(t)
	r := newRig(t, "work")
	shared, err := os.MkdirTemp("", "e2e-tmp") // a /tmp of its own
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	os.Chmod(shared, 0o1777) //nolint:errcheck
	t.Setenv("TMPDIR", shared)
	t.Setenv("XDG_RUNTIME_DIR", "")
	t.Setenv("SSOKEEPER_RUNTIME_DIR", "")
	usual := filepath.Join(shared, "ssokeeper-"+strconv.Itoa(os.Getuid()))
	u.StartFakeAgent(t, filepath.Join(usual, api.SocketName), true)
	refusal := "refusing " + usual + ": it is owned by uid " + strconv.Itoa(u.UID)

	clean := func(what string, res result) {
		t.Helper()
		if strings.Contains(res.stdout+res.stderr, testuser.Stolen) {
			t.Fatalf("%s showed what the hostile agent said: %s\nstdout: %s", what, res, res.stdout)
		}
		if n := strings.Count(res.stderr, refusal); n != 1 {
			t.Errorf("%s: stderr says %d times %q, want once: %s", what, n, refusal, res)
		}
	}
	// Before our agent runs.
	clean("status", runCLI("status"))
	clean("token", runCLI("token", "work"))

	// Our agent passes over it, and says where it listens.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr, _ := r.runAgent(ctx, false)
	fallback := filepath.Join(os.Getenv("SSOKEEPER_STATE_DIR"), "run", api.SocketName)
	if out := stderr.String(); !strings.Contains(out, refusal) || !strings.Contains(out, "listening at "+fallback+" instead") {
		t.Errorf("the agent does not say where it listens instead:\n%s", out)
	}

	r.signIn()
	res := runCLI("token", "work")
	clean("token via our agent", res)
	if res.code != 0 || len(strings.TrimSpace(res.stdout)) < 8 {
		t.Fatalf("token via our agent at the fallback: %s", res)
	}
	if st := status(t, "work"); st.State != "healthy" {
		t.Errorf("status via our agent: %s/%s", st.State, st.Reason)
	}
	log, _ := os.ReadFile(filepath.Join(os.Getenv("SSOKEEPER_STATE_DIR"), "ssokeeper.log"))
	if !strings.Contains(string(log), "control socket directory is refused") {
		t.Errorf("the log does not record the refused directory:\n%s", log)
	}
}

// TestStoppedAgent: the ssokeeper binary runs as the agent and is
// stopped (SIGSTOP). Commands give up on it with a clear error within
// about 10 s instead of hanging, and `token` goes on without it, under
// the session's lock, as with no agent.
func TestStoppedAgent(t *testing.T) {
	testkit.NeedSecretService(t)
	bin := testkit.Binary(t)
	name := "e2e-" + strings.ToLower(rand.Text()[:8]) // the keyring is shared with other tests
	r := newRig(t, name)
	t.Cleanup(func() { store.NewKeyring(5*time.Second).Delete(name, store.RefreshToken) })

	agent := exec.Command(bin, "run", "--headless")
	out, err := agent.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		agent.Process.Signal(syscall.SIGCONT) //nolint:errcheck
		agent.Process.Kill()                  //nolint:errcheck
		agent.Wait()                          //nolint:errcheck
	})
	running := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		seen := false
		for sc.Scan() {
			if !seen && strings.Contains(sc.Text(), "ssokeeper agent running") {
				seen = true
				close(running)
			}
		}
	}()
	await(t, running, "the agent to start")

	r.signIn()
	if res := runCLI("token", name); res.code != 0 {
		t.Fatalf("token from the running agent: %s", res)
	}

	if err := agent.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// The signal is delivered to each thread in its own time (a busy
	// vCPU may take a while): wait until the kernel says all stopped.
	awaitStopped(t, agent.Process.Pid)
	start := time.Now()
	res := runCLI("status")
	took := time.Since(start)
	if res.code == 0 || !strings.Contains(res.stderr, "did not answer within 10s") || !strings.Contains(res.stderr, "kill -CONT") {
		t.Errorf("status of a stopped agent: %s", res)
	}
	t.Logf("status gave up on the stopped agent after %v", took.Round(100*time.Millisecond))
	if took > 30*time.Second {
		t.Errorf("status took %v to give up, want about 10 s", took)
	}

	res = runCLI("token", name)
	if res.code != 0 || len(strings.TrimSpace(res.stdout)) < 8 || !strings.Contains(res.stderr, "getting the token without the agent") {
		t.Errorf("token with the agent stopped: %s", res)
	}
}

// awaitStopped waits until every thread of pid is stopped (state T in
// /proc/PID/task/*/stat).
func awaitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
		stopped := len(tasks) > 0
		for _, task := range tasks {
			data, err := os.ReadFile(task)
			// The state follows the command name in parentheses.
			i := strings.LastIndexByte(string(data), ')')
			if err != nil || i < 0 || i+2 >= len(data) || data[i+2] != 'T' && data[i+2] != 't' {
				stopped = false
				break
			}
		}
		if stopped {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d did not stop after SIGSTOP", pid)
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel's state, not a wait for timing
	}
}
