//go:build linux

// Command idle measures an idle ssokeeper agent that holds many signed-in
// sessions: its resident memory and how often it wakes up while no refresh
// is due. Run it with `bash bench/idle-agent.sh` (a private D-Bus session
// with an unlocked gnome-keyring); see that script for the flags.
//
// It starts the in-process test OpenID Provider (internal/testidp) with
// one-hour access tokens, writes a configuration with -sessions sessions,
// starts `ssokeeper run --headless`, signs every session in with
// `ssokeeper login` through a fake browser, waits until `status --json`
// shows all of them healthy, lets the agent settle, and then only reads
// /proc for the length of the window: nothing talks to the agent then.
//
// Two counts of waking up: switches/min is the increase of
// voluntary_ctxt_switches + nonvoluntary_ctxt_switches summed over
// /proc/PID/task/*/status; wake-ups/min groups those switches, recorded
// with perf, into bursts (see burstGap), because one timer firing in an
// idle Go program costs a dozen or more switches across the runtime's
// threads. -baseline measures minimal Go programs for comparison.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// The agent is started from the main thread and dies with it (Pdeathsig
// is tied to the thread that forked, see golang/go#27505).
func init() { runtime.LockOSThread() }

type options struct {
	sessions int
	settle   time.Duration
	window   time.Duration
	sample   time.Duration
	bin      string
	browser  string
	parallel int
	keep     bool
	verbose  bool
	perf     bool
	baseline bool
	agentEnv envList
}

// envList is a repeatable KEY=VALUE flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(kv string) error {
	if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
		return fmt.Errorf("%q is not KEY=VALUE", kv)
	}
	*e = append(*e, kv)
	return nil
}

func main() {
	if childMain() {
		return
	}
	var o options
	flag.IntVar(&o.sessions, "sessions", 50, "signed-in sessions the agent holds")
	flag.DurationVar(&o.settle, "settle", 20*time.Second, "wait after the last sign-in before measuring")
	flag.DurationVar(&o.window, "window", 240*time.Second, "measurement window (240 s holds 8 watchdog periods and 1–2 forced GCs)")
	flag.DurationVar(&o.sample, "sample", 5*time.Second, "how often VmRSS and the threads are read during the window")
	flag.StringVar(&o.bin, "bin", "", "ssokeeper binary to measure (default: go build the repository's)")
	flag.StringVar(&o.browser, "browser", "", "fake browser binary (default: go build ./internal/testidp/fakebrowser)")
	flag.IntVar(&o.parallel, "parallel", 4, "sign-ins run at the same time")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder (config, state, agent log, gctrace)")
	flag.BoolVar(&o.verbose, "v", false, "print progress and the context switches of every thread")
	flag.BoolVar(&o.perf, "perf", perfAvailable(), "count wake-ups with `perf record -e sched:sched_switch` (default: when perf works here)")
	flag.BoolVar(&o.baseline, "baseline", false, "also measure minimal Go programs (idle, and with a 30 s timer) over the same window, for comparison")
	flag.Var(&o.agentEnv, "agent-env", "`KEY=VALUE` added to the agent's environment, e.g. GOGC=50 or GOMEMLIMIT=8MiB (repeatable)")
	flag.Parse()
	if o.sessions < 1 || o.window < time.Second || o.sample <= 0 || o.parallel < 1 {
		fmt.Fprintln(os.Stderr, "idle: -sessions and -parallel must be at least 1, -window at least 1s, -sample positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		if ctx.Err() != nil {
			err = errors.New("interrupted; the agent and the IdP were stopped")
		}
		fmt.Fprintln(os.Stderr, "idle:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	b, err := newBench(ctx, o)
	if err != nil {
		return err
	}
	defer b.close()
	if err := b.start(ctx); err != nil {
		return err
	}
	b.logf("all %d sessions healthy; settling for %s", o.sessions, o.settle)
	if err := wait(ctx, o.settle); err != nil {
		return err
	}
	b.logf("measuring for %s", o.window)
	res, err := measure(ctx, b.agent.Process.Pid, o)
	if err != nil {
		return err
	}
	// The agent must have stayed idle: a refresh during the window would
	// make the numbers meaningless.
	if n := b.idp.RefreshCount(); n != 0 {
		return fmt.Errorf("the agent refreshed %d tokens during the run; the access tokens should outlive it (lower -window or -settle)", n)
	}
	res.name = fmt.Sprintf("ssokeeper agent, %d sessions", o.sessions)
	res.gc = b.gcs.between(res.start, res.end)
	if err := b.checkHealthy(ctx); err != nil {
		return err
	}
	rows := []result{*res}
	if o.baseline {
		for _, c := range []string{"idle", "timer:30s"} {
			b.logf("measuring a minimal Go program (%s) for %s", c, o.window)
			r, err := measureChild(ctx, c, o)
			if err != nil {
				return err
			}
			rows = append(rows, *r)
		}
	}
	printTable(os.Stdout, o, rows)
	if o.verbose {
		for i := range rows {
			printThreads(os.Stdout, &rows[i])
		}
	}
	return nil
}

func wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
