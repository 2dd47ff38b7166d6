// Command tokenlatency measures how long `ssokeeper token NAME` takes as a
// whole process: with the agent running and a valid token (the path
// kubectl and git take on every call), and without an agent (each call
// refreshes at the IdP and reads the OS keyring). It runs a real OpenID
// Provider and a real agent on loopback; run it through
// bench/token-latency.sh, which provides the D-Bus session and keyring.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/agent"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/api"
	"github.com/ssokeeper/ssokeeper/session/store"
)

func main() {
	bin := flag.String("bin", "", "the ssokeeper binary to time (required)")
	floor := flag.String("floor", "", "an empty Go program, timed as the floor of process start")
	runs := flag.Int("n", 200, "runs per case")
	noAgentRuns := flag.Int("n-noagent", 50, "runs without an agent (each refreshes at the IdP)")
	serve := flag.Bool("serve", false, "only start the IdP and a signed-in agent, print the environment to use them, and wait for Ctrl-C (for hyperfine or perf)")
	flag.Parse()
	if *serve {
		*bin = "-"
	}
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "usage: tokenlatency -bin PATH [-n 200] [-n-noagent 50]")
		os.Exit(2)
	}
	if err := run(*bin, *floor, *runs, *noAgentRuns); err != nil {
		fmt.Fprintln(os.Stderr, "tokenlatency:", err)
		os.Exit(1)
	}
}

func run(bin, floor string, n, nNoAgent int) error {
	idp, err := testidp.New(testidp.Options{AccessTokenLifetime: time.Hour})
	if err != nil {
		return err
	}
	defer idp.Close()
	dir, err := os.MkdirTemp("", "sk-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	name := "bench-" + strconv.Itoa(os.Getpid()) // never a real session's keyring entry
	cfg := filepath.Join(dir, "config.toml")
	text := fmt.Sprintf("[[session]]\nname = %q\nprovider = \"oidc\"\nissuer = %q\nclient_id = %q\nscopes = [\"openid\", \"offline_access\"]\n",
		name, idp.Issuer(), idp.ClientID())
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		return err
	}
	os.Setenv("SSOKEEPER_CONFIG", cfg)
	os.Setenv("SSOKEEPER_STATE_DIR", filepath.Join(dir, "state"))
	os.Setenv("SSOKEEPER_RUNTIME_DIR", filepath.Join(dir, "run"))

	secrets := store.NewMemory()
	ctx, stop := context.WithCancel(context.Background())
	a, err := agent.Start(ctx, agent.Options{Secrets: secrets, Stderr: io.Discard})
	if err != nil {
		stop()
		return err
	}
	if err := login(a.Manager, idp, name); err != nil {
		stop()
		a.Wait()
		return err
	}
	if bin == "-" {
		fmt.Printf("export SSOKEEPER_CONFIG=%s SSOKEEPER_STATE_DIR=%s SSOKEEPER_RUNTIME_DIR=%s\n# session: %s\n",
			os.Getenv("SSOKEEPER_CONFIG"), os.Getenv("SSOKEEPER_STATE_DIR"), os.Getenv("SSOKEEPER_RUNTIME_DIR"), name)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		stop()
		a.Wait()
		return nil
	}
	before := idp.RefreshCount()
	fmt.Printf("whole-process wall time, and the child's CPU time (user+sys), %d runs each;\n", n)
	fmt.Printf("this machine: %d CPUs, shared with the agent and the IdP\n\n", runtime.NumCPU())
	fmt.Printf("%-46s %8s %8s %8s %8s %9s\n", "case", "median", "p90", "min", "max", "cpu med")
	if floor != "" {
		report("empty Go program (process start floor)", timeRuns(n, floor))
	}
	report("ssokeeper --version (start + package inits)", timeRuns(n, bin, "--version"))
	report("API round trip in-process (api.Client.Token)", timeAPI(n, name))
	report("token NAME, agent running, token valid", timeRuns(n, bin, "token", name))
	report("token NAME --format kubectl, agent running", timeRuns(n, bin, "token", name, "--format", "kubectl"))
	report("status NAME --format '{{.State}} {{.SessionLeft}}' (a shell prompt)", timeRuns(n, bin, "status", name, "--format", "{{.State}} {{.SessionLeft}}"))
	if got := idp.RefreshCount() - before; got != 0 {
		fmt.Printf("\nwarning: %d refreshes happened while the token was valid\n", got)
	}
	rt, err := secrets.Get(name, store.RefreshToken)
	stop()
	a.Wait()
	if err != nil {
		return err
	}

	keyring := store.NewKeyring(5 * time.Second)
	if err := keyring.Set(name, store.RefreshToken, rt); err != nil {
		fmt.Printf("\nwithout an agent: skipped, no OS keyring here (%v)\n", err)
		return nil
	}
	defer keyring.Delete(name, store.RefreshToken)
	before = idp.RefreshCount()
	report("token NAME, no agent (refresh at the IdP)", timeRuns(nNoAgent, bin, "token", name))
	if got := idp.RefreshCount() - before; got != nNoAgent+1 {
		fmt.Printf("\nnote: %d refreshes for %d runs without an agent\n", got, nNoAgent+1)
	}
	return nil
}

func login(m *session.Manager, idp *testidp.IdP, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return m.Login(ctx, name, session.LoginRequest{OpenURL: func(u string) error {
		go idp.Browse(ctx, u) //nolint:errcheck // the sign-in result tells
		return nil
	}})
}

// sample is one run: its wall time and the CPU time it used.
type sample struct{ wall, cpu time.Duration }

// timeRuns runs bin once to warm the page cache, then n times.
func timeRuns(n int, bin string, args ...string) []sample {
	once := func() sample {
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "%s %v: %v\n", bin, args, err)
			os.Exit(1)
		}
		return sample{time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	}
	once()
	s := make([]sample, 0, n)
	for range n {
		s = append(s, once())
	}
	return s
}

// timeAPI times the agent round trip alone, with a new client (and so a
// new connection) each time, as a new process has.
func timeAPI(n int, name string) []sample {
	sock, err := api.SocketPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	s := make([]sample, 0, n)
	for range n + 1 {
		start := time.Now()
		_, err := api.NewClient(sock).Token(context.Background(), name, time.Minute)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		s = append(s, sample{wall: time.Since(start)})
	}
	return s[1:]
}

func report(what string, s []sample) {
	wall := make([]time.Duration, len(s))
	cpu := make([]time.Duration, len(s))
	for i := range s {
		wall[i], cpu[i] = s[i].wall, s[i].cpu
	}
	slices.Sort(wall)
	slices.Sort(cpu)
	q := func(d []time.Duration, p float64) time.Duration { return d[min(len(d)-1, int(p*float64(len(d))))] }
	ms := func(t time.Duration) string { return fmt.Sprintf("%.2fms", float64(t.Microseconds())/1000) }
	cpuMed := "-"
	if cpu[len(cpu)-1] > 0 {
		cpuMed = ms(q(cpu, 0.5))
	}
	fmt.Printf("%-46s %8s %8s %8s %8s %9s\n", what, ms(q(wall, 0.5)), ms(q(wall, 0.9)), ms(wall[0]), ms(wall[len(wall)-1]), cpuMed)
}
