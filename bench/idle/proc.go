//go:build linux

package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// procStatus reads the "Key: value" lines of a /proc status file.
func procStatus(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m, sc.Err()
}

// kB turns "1234 kB" (or a bare number) into 1234; 0 when absent.
func kB(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(v, " kB"), 10, 64)
	return n
}

// thread is what the kernel counts for one thread.
type thread struct {
	switches int64         // voluntary + nonvoluntary context switches
	cpu      time.Duration // time on a CPU (schedstat, nanoseconds)
}

// threads maps thread ids to their counters.
type threads map[int]thread

// readThreads reads the counters of every thread of pid.
func readThreads(pid int) (threads, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	ts := threads{}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := procStatus(dir + "/" + e.Name() + "/status")
		if err != nil {
			continue // the thread just ended
		}
		t := thread{switches: kB(st["voluntary_ctxt_switches"]) + kB(st["nonvoluntary_ctxt_switches"])}
		if b, err := os.ReadFile(dir + "/" + e.Name() + "/schedstat"); err == nil {
			if f := strings.Fields(string(b)); len(f) > 0 {
				ns, _ := strconv.ParseInt(f[0], 10, 64)
				t.cpu = time.Duration(ns)
			}
		}
		ts[tid] = t
	}
	return ts, nil
}

// gcEvent is one line of GODEBUG=gctrace=1.
type gcEvent struct {
	at         time.Time
	liveMB     int // heap marked live, MB rounded down
	goalMB     int
	stacksMB   int
	globalsMB  int
	forcedByGo bool // runtime.GC() called by the program
}

// gc 7 @120.031s 0%: … ms cpu, 4->4->2 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P
var gcLine = regexp.MustCompile(`^gc \d+ @[\d.]+s .* (\d+)->(\d+)->(\d+) MB, (\d+) MB goal, (\d+) MB stacks, (\d+) MB globals, \d+ P( \(forced\))?`)

// gcLog collects gctrace lines as the agent prints them.
type gcLog struct {
	mu     sync.Mutex
	events []gcEvent
}

func (l *gcLog) add(line string, at time.Time) {
	m := gcLine.FindStringSubmatch(line)
	if m == nil {
		return
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, gcEvent{at: at, liveMB: n(3), goalMB: n(4), stacksMB: n(5), globalsMB: n(6), forcedByGo: m[7] != ""})
}

// gcStats is what the window saw of the garbage collector.
type gcStats struct {
	known  bool // a collection ran before the window ended
	count  int  // collections in the window
	last   gcEvent
	forced int // of count, runtime.GC() calls
}

func (l *gcLog) between(start, end time.Time) gcStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	var s gcStats
	for _, e := range l.events {
		if e.at.After(end) {
			break
		}
		s.known, s.last = true, e
		if e.at.After(start) {
			s.count++
			if e.forcedByGo {
				s.forced++
			}
		}
	}
	return s
}
