//go:build linux

package main

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as a program that collects garbage
// once with GODEBUG=gctrace=1, so the gctrace parser is checked against
// what this Go version prints.
func TestMain(m *testing.M) {
	if os.Getenv("IDLE_TEST_GC") == "1" {
		// The first cycle's line is printed before the second can start;
		// the second's may be cut off by the exit.
		runtime.GC()
		runtime.GC()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestGCLineOfThisGoVersion(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "IDLE_TEST_GC=1", "GODEBUG=gctrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var l gcLog
	now := time.Now()
	for _, line := range strings.Split(string(out), "\n") {
		l.add(line, now)
	}
	s := l.between(now.Add(-time.Second), now.Add(time.Second))
	if !s.known || s.count == 0 || s.forced == 0 {
		t.Fatalf("no forced collection parsed from gctrace output:\n%s", out)
	}
	if s.last.goalMB < 1 {
		t.Errorf("heap goal %d MB, want at least 1 (the runtime's minimum is 4)", s.last.goalMB)
	}
}

func TestGCLogWindow(t *testing.T) {
	var l gcLog
	t0 := time.Unix(1000, 0)
	line := "gc 3 @0.5s 0%: 0.01+0.2+0.01 ms clock, 0.02+0/0.1/0+0.02 ms cpu, 4->5->2 MB, 6 MB goal, 0 MB stacks, 1 MB globals, 2 P"
	l.add(line, t0)
	l.add("not a gc line", t0.Add(time.Second))
	l.add(strings.Replace(line, "4->5->2", "3->3->3", 1), t0.Add(2*time.Minute))
	l.add(strings.Replace(line, "4->5->2", "9->9->9", 1), t0.Add(5*time.Minute))

	s := l.between(t0.Add(time.Minute), t0.Add(3*time.Minute))
	if !s.known || s.count != 1 || s.last.liveMB != 3 || s.last.goalMB != 6 || s.last.globalsMB != 1 {
		t.Errorf("window with one GC: %+v", s)
	}
	s = l.between(t0.Add(10*time.Second), t0.Add(time.Minute))
	if !s.known || s.count != 0 || s.last.liveMB != 2 {
		t.Errorf("window without a GC should report the one before it: %+v", s)
	}
	if s := l.between(t0.Add(-2*time.Second), t0.Add(-time.Second)); s.known {
		t.Errorf("window before every GC: %+v", s)
	}
}

// Two goroutines on their own threads hand a token back and forth: every
// hand-over parks one thread, so the threads' context switches must grow.
func TestReadThreadsCountsSwitches(t *testing.T) {
	const rounds = 200
	before, err := readThreads(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ping, pong := make(chan int), make(chan int)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread()
		for v := range ping {
			pong <- v
		}
		close(done)
	}()
	runtime.LockOSThread()
	for i := range rounds {
		ping <- i
		<-pong
	}
	close(ping)
	<-done
	runtime.UnlockOSThread()

	after, err := readThreads(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	var grew int64
	var cpu time.Duration
	for tid, a := range after {
		grew += a.switches - before[tid].switches
		cpu += a.cpu - before[tid].cpu
	}
	if grew < rounds {
		t.Errorf("context switches grew by %d over %d hand-overs between two threads, want at least %d", grew, rounds, rounds)
	}
	if cpu <= 0 {
		t.Errorf("CPU time did not grow: %v", cpu)
	}
}

func TestProcStatusOfSelf(t *testing.T) {
	st, err := procStatus("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	if rss := kB(st["VmRSS"]); rss <= 0 {
		t.Errorf("VmRSS of this test = %d kB (%q)", rss, st["VmRSS"])
	}
	if kB(st["Threads"]) < 1 {
		t.Errorf("Threads = %q", st["Threads"])
	}
}

func TestBursts(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	for _, c := range []struct {
		in, want []time.Duration
	}{
		{nil, nil},
		{ms(5000), ms(0)},
		// one timer: a dozen switches within milliseconds
		{ms(1000, 1001, 1003, 1004, 1010, 1030), ms(0)},
		// two timers 30 s apart, out of order
		{ms(31000, 1000, 1002, 31004), ms(0, 30000)},
		{ms(0, 99, 199), ms(0, 199)},
	} {
		got := bursts(c.in)
		if len(got) != len(c.want) {
			t.Errorf("bursts(%v) = %v, want %v", c.in, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("bursts(%v) = %v, want %v", c.in, got, c.want)
				break
			}
		}
	}
}
