//go:build linux

package e2e

import (
	"bufio"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// joinedText is what `login` prints when it joins a pending sign-in.
const joinedText = "is already pending"

// gate holds the fake browser before it signs in, until the test lets it
// go: the first sign-in stays pending while the others arrive, so "they
// joined" never depends on timing.
type gate struct {
	arrived chan struct{} // one value per browser at the gate
	release chan struct{}
	once    sync.Once
}

func newGate(t *testing.T) *gate {
	t.Helper()
	g := &gate{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.arrived <- struct{}{}
		select {
		case <-g.release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(g.open) // before srv.Close: handlers must return
	t.Setenv(envGate, srv.URL)
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.release) }) }

// awaitBrowser waits until a browser stands at the gate.
func (g *gate) awaitBrowser(t *testing.T) {
	t.Helper()
	select {
	case <-g.arrived:
	case <-time.After(wait):
		t.Fatal("the browser was never opened")
	}
}

// TestConcurrentLoginViaAgent: ten `ssokeeper login work` at once, with
// the agent running, open the browser once and all succeed.
func TestConcurrentLoginViaAgent(t *testing.T) {
	r := newRig(t, "work")
	r.startAgent()
	g := newGate(t)

	const n = 10
	results := make(chan result, n)
	joined := make([]<-chan struct{}, n)
	outs := make([]*watchWriter, n)
	defer func() {
		if t.Failed() {
			for i, w := range outs {
				t.Logf("login %d: %s", i, w)
			}
		}
	}()
	for i := range n {
		w := newWatchWriter()
		outs[i] = w
		joined[i] = w.seen(joinedText)
		go func() { results <- runCLIWith(w, "login", "work") }()
	}
	g.awaitBrowser(t)
	awaitJoined(t, joined, n-1)
	g.open()
	for range n {
		select {
		case res := <-results:
			if res.code != 0 || !strings.Contains(res.stderr, "Signed in to work.") {
				t.Errorf("login: %s", res)
			}
		case <-time.After(wait):
			t.Fatal("a login did not return")
		}
	}
	if got := r.opened(); len(got) != 1 {
		t.Errorf("the browser was opened %d times, want once: %q", len(got), got)
	}
	if st := status(t, "work"); st.State != "healthy" {
		t.Errorf("after the sign-in the session is %s/%s", st.State, st.Reason)
	}
}

// awaitJoined waits until want of the outputs said they joined, in any
// order.
func awaitJoined(t *testing.T, joined []<-chan struct{}, want int) {
	t.Helper()
	any := make(chan struct{}, len(joined))
	stop := make(chan struct{})
	defer close(stop)
	for _, ch := range joined {
		go func() {
			select {
			case <-ch:
				any <- struct{}{}
			case <-stop:
			}
		}()
	}
	deadline := time.After(wait)
	for got := 0; got < want; got++ {
		select {
		case <-any:
		case <-deadline:
			t.Fatalf("%d of the other sign-ins joined the pending one, want %d", got, want)
		}
	}
}

// TestConcurrentLoginWithoutAgent: ten ssokeeper processes run `login`
// with no agent: one opens the browser, the others wait for the session's
// lock and take the sign-in it completed. All exit 0. The refresh token
// goes to the real Secret Service, as the CLI without an agent does.
func TestConcurrentLoginWithoutAgent(t *testing.T) {
	testkit.NeedSecretService(t)
	bin := testkit.Binary(t)
	name := "e2e-" + strings.ToLower(rand.Text()[:8]) // the keyring is shared with other tests
	r := newRig(t, name)
	t.Cleanup(func() { store.NewKeyring(5*time.Second).Delete(name, store.RefreshToken) })
	g := newGate(t)

	const n = 10
	type proc struct {
		cmd    *exec.Cmd
		stderr strings.Builder
		done   chan struct{} // stderr read to the end
		joined chan struct{}
	}
	procs := make([]*proc, n)
	joined := make([]<-chan struct{}, n)
	for i := range procs {
		p := &proc{cmd: exec.Command(bin, "login", name), done: make(chan struct{}), joined: make(chan struct{})}
		out, err := p.cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.cmd.Process.Kill() }) // a no-op once it exited
		go func() {
			defer close(p.done)
			seen := false
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				p.stderr.WriteString(sc.Text() + "\n")
				if !seen && strings.Contains(sc.Text(), joinedText) {
					seen = true
					close(p.joined)
				}
			}
		}()
		procs[i], joined[i] = p, p.joined
	}
	g.awaitBrowser(t)
	awaitJoined(t, joined, n-1)
	g.open()
	for i, p := range procs {
		select {
		case <-p.done:
		case <-time.After(wait):
			t.Fatalf("process %d did not finish", i)
		}
		err := p.cmd.Wait()
		if err != nil || !strings.Contains(p.stderr.String(), "Signed in to "+name) {
			t.Errorf("process %d: %v; stderr:\n%s", i, err, p.stderr.String())
		}
	}
	if got := r.opened(); len(got) != 1 {
		t.Errorf("the browser was opened %d times, want once: %q", len(got), got)
	}
	// The session works for the next tool, still without an agent.
	out, err := exec.Command(bin, "token", name).Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Errorf("token after the sign-in: %v", err)
	}
}
