//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testidp"
)

// bench is one run: the IdP, the temporary folder and the agent.
type bench struct {
	o       options
	dir     string
	env     []string // the agent's and the CLI's environment
	idp     *testidp.IdP
	agent   *exec.Cmd
	exited  chan struct{} // closed when the agent process ended
	gcs     *gcLog
	closers []func()
}

func newBench(ctx context.Context, o options) (*bench, error) {
	dir, err := os.MkdirTemp("", "ssokeeper-idle-")
	if err != nil {
		return nil, err
	}
	b := &bench{o: o, dir: dir, gcs: &gcLog{}}
	b.closers = append(b.closers, func() {
		if o.keep {
			fmt.Fprintf(os.Stderr, "idle: kept %s\n", dir)
			return
		}
		os.RemoveAll(dir)
	})
	if b.o.bin == "" {
		b.o.bin = filepath.Join(dir, "ssokeeper")
		b.logf("building ssokeeper as scripts/dist.sh does")
		if err := goBuild(ctx, b.o.bin, ".", releaseFlags...); err != nil {
			b.close()
			return nil, err
		}
	}
	if b.o.browser == "" {
		b.o.browser = filepath.Join(dir, "fakebrowser")
		if err := goBuild(ctx, b.o.browser, "./internal/testidp/fakebrowser"); err != nil {
			b.close()
			return nil, err
		}
	}
	// Access tokens outlive the run, so nothing is due while measuring.
	b.idp, err = testidp.New(testidp.Options{AccessTokenLifetime: time.Hour, RefreshTokenLifetime: 24 * time.Hour})
	if err != nil {
		b.close()
		return nil, err
	}
	b.closers = append(b.closers, func() { b.idp.Close() })
	return b, nil
}

// releaseFlags build ssokeeper the way scripts/dist.sh does for Linux
// (with CGO_ENABLED=0), so the numbers are those of the shipped binary.
var releaseFlags = []string{"-trimpath", "-ldflags", "-s -w"}

// goBuild builds pkg of the module in the working directory.
func goBuild(ctx context.Context, out, pkg string, flags ...string) error {
	args := append(append([]string{"build", "-o", out}, flags...), pkg)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s (run from the repository root): %w", pkg, err)
	}
	return nil
}

func (b *bench) logf(format string, args ...any) {
	if b.o.verbose {
		fmt.Fprintf(os.Stderr, "idle: "+format+"\n", args...)
	}
}

// close stops the agent and the IdP and removes the folder, last first.
func (b *bench) close() {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
}

// start writes the configuration, starts the agent and signs every
// session in.
func (b *bench) start(ctx context.Context) error {
	// The configuration has a folder of its own: the agent watches the
	// configuration's folder, and its log and state must not wake it.
	cfgDir := filepath.Join(b.dir, "config")
	if err := os.Mkdir(cfgDir, 0o700); err != nil {
		return err
	}
	cfg := filepath.Join(cfgDir, "config.toml")
	if err := os.WriteFile(cfg, []byte(b.config()), 0o600); err != nil {
		return err
	}
	b.env = append(os.Environ(),
		"SSOKEEPER_CONFIG="+cfg,
		"SSOKEEPER_STATE_DIR="+filepath.Join(b.dir, "state"),
		"SSOKEEPER_RUNTIME_DIR="+filepath.Join(b.dir, "run"),
		"BROWSER="+b.o.browser,
	)
	b.env = append(b.env, b.idp.BrowserEnv()...)
	if err := b.startAgent(ctx); err != nil {
		return err
	}
	if err := b.loginAll(ctx); err != nil {
		return err
	}
	return b.waitHealthy(ctx)
}

func (b *bench) config() string {
	var s strings.Builder
	for i := range b.o.sessions {
		fmt.Fprintf(&s, "[[session]]\nname = %q\nprovider = \"oidc\"\nissuer = %q\nclient_id = %q\nscopes = [\"openid\", \"offline_access\", \"profile\"]\n\n",
			sessionName(i), b.idp.Issuer(), b.idp.ClientID())
	}
	return s.String()
}

func sessionName(i int) string { return fmt.Sprintf("s%02d", i+1) }

// startAgent runs `ssokeeper run --headless` with GODEBUG=gctrace=1 (one
// line per garbage collection, for the heap size) and waits for its
// "agent running" line, printed once the control socket listens.
func (b *bench) startAgent(ctx context.Context) error {
	cmd := exec.Command(b.o.bin, "run", "--headless")
	cmd.Env = append(append(b.env, "GODEBUG=gctrace=1"), b.o.agentEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the agent %s: %w", b.o.bin, err)
	}
	b.agent, b.exited = cmd, make(chan struct{})
	logFile, err := os.Create(filepath.Join(b.dir, "agent-stderr.log"))
	if err != nil {
		cmd.Process.Kill()
		return err
	}
	ready := make(chan struct{})
	var copied sync.WaitGroup
	copied.Add(1)
	go func() {
		defer copied.Done()
		b.readStderr(stderr, logFile, ready)
	}()
	go func() {
		copied.Wait() // Wait closes the pipe: read it to the end first
		cmd.Wait()
		logFile.Close()
		close(b.exited)
	}()
	b.closers = append(b.closers, b.stopAgent)

	t := time.NewTimer(30 * time.Second)
	defer t.Stop()
	select {
	case <-ready:
		b.logf("agent running, pid %d", cmd.Process.Pid)
		return nil
	case <-b.exited:
		return fmt.Errorf("the agent exited at start (%s); its output is in %s", cmd.ProcessState, logFile.Name())
	case <-t.C:
		return errors.New("the agent did not start within 30s")
	case <-ctx.Done():
		return ctx.Err()
	}
}

// readStderr copies the agent's stderr to w, records gctrace lines and
// closes ready at the "agent running" line.
func (b *bench) readStderr(r io.Reader, w io.Writer, ready chan struct{}) {
	sc := bufio.NewScanner(r)
	var once sync.Once
	for sc.Scan() {
		line := sc.Text()
		fmt.Fprintln(w, line)
		b.gcs.add(line, time.Now())
		if strings.Contains(line, "agent running") {
			once.Do(func() { close(ready) })
		}
	}
	io.Copy(w, r) // a line too long for the scanner: keep the rest
}

// stopAgent ends the agent with SIGTERM, then SIGKILL after 10 s.
func (b *bench) stopAgent() {
	b.agent.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-b.exited:
	case <-t.C:
		b.agent.Process.Kill()
		<-b.exited
	}
}

// ssokeeper runs a CLI command against the agent and returns its stdout.
func (b *bench) ssokeeper(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, b.o.bin, args...)
	cmd.Env = b.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("ssokeeper %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// loginAll signs every session in, -parallel at a time.
func (b *bench) loginAll(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	names := make(chan string)
	errs := make(chan error, b.o.sessions)
	var wg sync.WaitGroup
	for range b.o.parallel {
		wg.Go(func() {
			for name := range names {
				_, err := b.ssokeeper(ctx, "login", name, "--timeout", "60s")
				errs <- err
				if err != nil {
					cancel()
				}
			}
		})
	}
	start := time.Now()
feed:
	for i := range b.o.sessions {
		select {
		case names <- sessionName(i):
		case <-ctx.Done():
			break feed
		}
	}
	close(names)
	wg.Wait()
	close(errs)
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if err := errors.Join(all...); err != nil {
		return err
	}
	b.logf("signed in %d sessions in %s", b.o.sessions, time.Since(start).Round(time.Millisecond))
	return ctx.Err()
}

type statusJSON struct {
	AgentRunning bool `json:"agent_running"`
	Sessions     []struct {
		Name   string `json:"name"`
		State  string `json:"state"`
		Reason string `json:"reason"`
	} `json:"sessions"`
}

// unhealthy lists the sessions `status --json` does not show healthy.
func (b *bench) unhealthy(ctx context.Context) ([]string, error) {
	out, err := b.ssokeeper(ctx, "status", "--json")
	var st statusJSON
	if jerr := json.Unmarshal(out, &st); jerr != nil {
		return nil, errors.Join(err, fmt.Errorf("status --json: %w", jerr))
	}
	if !st.AgentRunning {
		return nil, errors.New("status --json says no agent runs")
	}
	if len(st.Sessions) != b.o.sessions {
		return nil, fmt.Errorf("status --json lists %d sessions, want %d", len(st.Sessions), b.o.sessions)
	}
	var bad []string
	for _, s := range st.Sessions {
		if s.State != "healthy" {
			bad = append(bad, s.Name+": "+s.State+" "+s.Reason)
		}
	}
	return bad, nil // exit 1 with every session listed is not a failure here
}

// waitHealthy polls status until every session is healthy: sign-ins
// report success when the tokens are stored, the snapshot follows.
func (b *bench) waitHealthy(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for delay := 50 * time.Millisecond; ; delay = min(2*delay, time.Second) {
		bad, err := b.unhealthy(ctx)
		if err == nil && len(bad) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Join(err, fmt.Errorf("sessions not healthy after 30s: %s", strings.Join(bad, ", ")))
		}
		if err := wait(ctx, delay); err != nil {
			return err
		}
	}
}

// checkHealthy fails when a session left the healthy state while measured.
func (b *bench) checkHealthy(ctx context.Context) error {
	bad, err := b.unhealthy(ctx)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		return fmt.Errorf("sessions stopped being healthy during the window: %s", strings.Join(bad, ", "))
	}
	return nil
}
