//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Aims of issue 2, item 10.
const (
	aimRSSMB      = 20
	aimWakeupsMin = 2
)

// wholeMB shows gctrace's sizes, which are rounded down to whole MB.
func wholeMB(n int) string {
	if n == 0 {
		return "<1 MB"
	}
	return fmt.Sprintf("%d MB", n)
}

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

func printTable(w io.Writer, o options, rows []result) {
	fmt.Fprintf(w, "ssokeeper idle agent: %d sessions, settle %s, window %s, %d CPUs, %s %s/%s\n",
		o.sessions, o.settle, o.window, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if len(o.agentEnv) > 0 {
		fmt.Fprintf(w, "agent environment: %s\n", o.agentEnv.String())
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		fmt.Fprintf(w, "load average (1, 5, 15 min) at the end: %s\n", strings.Join(f[:3], " "))
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "process\tVmRSS max\tRssAnon\tRssFile\tGo heap live\tthreads\twake-ups/min\tswitches/min\tCPU ms/min\tGCs\t")
	for _, r := range rows {
		heap := "-"
		if r.gc.known {
			heap = wholeMB(r.gc.last.liveMB)
		}
		sw, cpu := r.switches()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%.1f\t%.1f\t%s\t\n", r.name,
			mb(r.rssMaxKB), mb(r.anonKB), mb(r.fileKB), heap, r.threads, r.wakeupsPerMinute(),
			r.perMinute(float64(sw)), r.perMinute(float64(cpu.Microseconds())/1000), gcCount(r))
	}
	tw.Flush()

	a := rows[0]
	fmt.Fprintf(w, "\nwake-ups: groups of context switches %s or more apart (perf sched:sched_switch); switches: /proc/PID/task/*/status\n", burstGap)
	fmt.Fprintf(w, "VmHWM of the agent (peak, sign-ins included): %s\n", mb(a.hwmKB))
	if a.gc.known {
		l := a.gc.last
		fmt.Fprintf(w, "its last GC (gctrace, whole MB): %s live, %s goal, %s stacks, %s globals\n",
			wholeMB(l.liveMB), wholeMB(l.goalMB), wholeMB(l.stacksMB), wholeMB(l.globalsMB))
	}
	if a.perf != nil && a.perf.err != nil {
		fmt.Fprintf(w, "perf: %v\n", a.perf.err)
	}
	if a.perf == nil {
		fmt.Fprintln(w, "wake-ups not counted: perf is missing or cannot trace here (Debian package linux-perf); the aim is checked on switches")
	}
	fmt.Fprintf(w, "aim: VmRSS under %d MB: %s; at most %d wake-ups a minute: %s\n",
		aimRSSMB, verdict(float64(a.rssMaxKB)/1024 < aimRSSMB),
		aimWakeupsMin, verdict(a.wakeups() <= aimWakeupsMin))
}

// wakeups is wake-ups a minute: perf's bursts when recorded, else every
// context switch.
func (r *result) wakeups() float64 {
	if r.perf != nil && r.perf.err == nil {
		return r.perMinute(float64(len(r.perf.bursts)))
	}
	sw, _ := r.switches()
	return r.perMinute(float64(sw))
}

func (r *result) wakeupsPerMinute() string {
	if r.perf == nil || r.perf.err != nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", r.wakeups())
}

func gcCount(r result) string {
	if r.gc.known {
		return strconv.Itoa(r.gc.count)
	}
	return "-"
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// printThreads lists each thread's context switches in the window, most
// first, and when each wake-up began: a period in them names its source.
func printThreads(w io.Writer, r *result) {
	tids := make([]int, 0, len(r.last))
	for tid := range r.last {
		tids = append(tids, tid)
	}
	delta := func(tid int) int64 { return r.last[tid].switches - r.first[tid].switches }
	slices.SortFunc(tids, func(a, b int) int { return int(delta(b) - delta(a)) })
	fmt.Fprintf(w, "\n%s: context switches per thread in %s:", r.name, r.window().Round(time.Second))
	for _, tid := range tids {
		fmt.Fprintf(w, " %d", delta(tid))
	}
	fmt.Fprintln(w)
	if r.perf != nil && r.perf.err == nil {
		fmt.Fprintf(w, "%s: %d switches in %d wake-ups, starting at (s):", r.name, r.perf.switches, len(r.perf.bursts))
		for _, b := range r.perf.bursts {
			fmt.Fprintf(w, " %.1f", b.Seconds())
		}
		fmt.Fprintln(w)
	}
}
