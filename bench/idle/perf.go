//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// burstGap separates wake-ups: context switches closer together than this
// belong to one wake-up. One timer firing in an idle Go program makes a
// dozen or more switches within a few milliseconds (sysmon spins while a
// P runs, the netpoller thread hands the goroutine to another thread).
const burstGap = 100 * time.Millisecond

// perfStats is what `perf record -e sched:sched_switch` saw in the window.
type perfStats struct {
	switches int             // context switches of the process's threads
	bursts   []time.Duration // start of each wake-up, from the first event's clock
	err      error
}

// perfAvailable reports whether perf can trace scheduler events here.
func perfAvailable() bool {
	if _, err := exec.LookPath("perf"); err != nil {
		return false
	}
	return exec.Command("perf", "stat", "-e", "sched:sched_switch", "true").Run() == nil
}

// perfRecord records pid's context switches for d and groups them into
// wake-ups.
func perfRecord(ctx context.Context, pid int, d time.Duration) *perfStats {
	dir, err := os.MkdirTemp("", "ssokeeper-idle-perf-")
	if err != nil {
		return &perfStats{err: err}
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "perf.data")
	secs := strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	out, err := exec.CommandContext(ctx, "perf", "record", "-q", "-e", "sched:sched_switch",
		"-p", strconv.Itoa(pid), "-o", data, "--", "sleep", secs).CombinedOutput()
	if err != nil {
		return &perfStats{err: fmt.Errorf("perf record: %w: %s", err, strings.TrimSpace(string(out)))}
	}
	out, err = exec.CommandContext(ctx, "perf", "script", "-i", data, "-F", "time").Output()
	if err != nil {
		return &perfStats{err: fmt.Errorf("perf script: %w", err)}
	}
	var times []time.Duration
	for _, f := range strings.Fields(string(out)) {
		s, err := strconv.ParseFloat(strings.TrimSuffix(f, ":"), 64)
		if err == nil {
			times = append(times, time.Duration(s*float64(time.Second)))
		}
	}
	return &perfStats{switches: len(times), bursts: bursts(times)}
}

// bursts returns when each group of switches began, relative to the
// first, a group ending at a gap of burstGap or more.
func bursts(times []time.Duration) []time.Duration {
	slices.Sort(times)
	var starts []time.Duration
	for i, t := range times {
		if i == 0 || t-times[i-1] >= burstGap {
			starts = append(starts, t-times[0])
		}
	}
	return starts
}
