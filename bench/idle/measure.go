//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// result is what one window measured of one process.
type result struct {
	name       string
	start, end time.Time
	rssMaxKB   int64 // VmRSS, the largest sample
	hwmKB      int64 // VmHWM: peak since the process started (sign-ins included)
	anonKB     int64 // RssAnon at the end: heap, stacks, runtime
	fileKB     int64 // RssFile + RssShmem at the end: mapped pages of the binary
	threads    int   // the most threads seen
	first      threads
	last       threads
	gc         gcStats
	perf       *perfStats
}

// switches is the sum of every thread's context switches in the window,
// and cpu their CPU time; a thread born in the window counts from zero,
// one that ended counts until its last sample.
func (r *result) switches() (n int64, cpu time.Duration) {
	for tid, t := range r.last {
		n += t.switches - r.first[tid].switches
		cpu += t.cpu - r.first[tid].cpu
	}
	return n, cpu
}

func (r *result) window() time.Duration { return r.end.Sub(r.start) }

func (r *result) perMinute(n float64) float64 { return n / r.window().Minutes() }

// measure reads /proc/PID for o.window, sampling every o.sample, and
// records the context switches with perf when o.perf.
func measure(ctx context.Context, pid int, o options) (*result, error) {
	r := &result{last: threads{}}
	var err error
	if r.first, err = readThreads(pid); err != nil {
		return nil, fmt.Errorf("the process (pid %d) is gone: %w", pid, err)
	}
	r.start = time.Now()
	var perfDone chan *perfStats
	if o.perf {
		perfDone = make(chan *perfStats, 1)
		go func() { perfDone <- perfRecord(ctx, pid, o.window) }()
	}
	deadline := r.start.Add(o.window)
	for {
		if err := r.sample(pid); err != nil {
			return nil, fmt.Errorf("the process (pid %d) ended during the window: %w", pid, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		if err := wait(ctx, min(o.sample, left)); err != nil {
			return nil, err
		}
	}
	r.end = time.Now()
	if perfDone != nil {
		r.perf = <-perfDone
	}
	return r, nil
}

// sample reads memory and the threads' counters once.
func (r *result) sample(pid int) error {
	st, err := procStatus(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err
	}
	r.rssMaxKB = max(r.rssMaxKB, kB(st["VmRSS"]))
	r.hwmKB = kB(st["VmHWM"])
	r.anonKB, r.fileKB = kB(st["RssAnon"]), kB(st["RssFile"])+kB(st["RssShmem"])
	ts, err := readThreads(pid)
	if err != nil {
		return err
	}
	r.threads = max(r.threads, len(ts))
	for tid, t := range ts {
		r.last[tid] = t
	}
	return nil
}

// Minimal Go programs to compare with (-baseline): the bench binary
// started again with childEnv set to "idle" (only waits for a signal) or
// "timer:D" (also re-arms a timer every D, like the agent's watchdog).
const childEnv = "SSOKEEPER_IDLE_CHILD"

func childMain() bool {
	mode, ok := os.LookupEnv(childEnv)
	if !ok {
		return false
	}
	var tick <-chan time.Time
	if d, err := time.ParseDuration(strings.TrimPrefix(mode, "timer:")); err == nil {
		t := time.NewTicker(d)
		defer t.Stop()
		tick = t.C
	}
	// Block on stdin rather than select{}: the runtime would call a
	// program with nothing left to wake it a deadlock.
	done := make(chan struct{})
	go func() {
		os.Stdin.Read(make([]byte, 1))
		close(done)
	}()
	for {
		select {
		case <-tick:
		case <-done:
			return true
		}
	}
}

// measureChild measures a minimal Go program in mode for o.window.
func measureChild(ctx context.Context, mode string, o options) (*result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "GODEBUG=")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	if err := wait(ctx, min(o.settle, 5*time.Second)); err != nil {
		return nil, err
	}
	r, err := measure(ctx, cmd.Process.Pid, o)
	if err != nil {
		return nil, err
	}
	r.name = "Go program, " + mode
	return r, nil
}
