// Package clock lets the refresh scheduler run on real time in the agent and
// on a fake, hand-advanced time in tests.
//
// A real machine has two clocks: the wall clock (what time it is) and the
// monotonic clock (how long the process has run). Go timers follow the
// monotonic clock, which stops while the machine sleeps, so the scheduler
// compares the two to notice a sleep. Fake models both.
package clock

import (
	"sync"
	"time"
)

// Clock is the time source of the scheduler.
type Clock interface {
	// Now returns the wall-clock time. Callers that compare two readings to
	// find a sleep strip the monotonic part with Round(0).
	Now() time.Time
	// NewTimer fires once after d of monotonic time.
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the scheduler uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
	Reset(d time.Duration) bool
}

// Real is the system clock.
type Real struct{}

func (Real) Now() time.Time                 { return time.Now() }
func (Real) NewTimer(d time.Duration) Timer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (r realTimer) C() <-chan time.Time        { return r.t.C }
func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }

// Fake is a clock moved by hand. Advance moves both clocks (time passing
// while awake); Sleep moves only the wall clock (the machine suspended).
type Fake struct {
	mu     sync.Mutex
	wall   time.Time
	mono   time.Duration // monotonic time since creation
	timers []*fakeTimer
	// TimerSet, when not nil, receives the monotonic deadline of every
	// timer started or reset, so a test can wait until the scheduler has
	// planned before it advances time.
	TimerSet chan time.Duration
}

// NewFake returns a fake clock at wall time start.
func NewFake(start time.Time) *Fake { return &Fake{wall: start} }

func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Round(0) drops any monotonic reading, like a wall-only value.
	return f.wall.Round(0)
}

// Advance moves both clocks forward by d, firing due timers.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.wall = f.wall.Add(d)
	f.mono += d
	due := f.dueLocked()
	f.mu.Unlock()
	fire(due, f)
}

// Sleep moves the wall clock forward by d and leaves the monotonic clock
// where it is, as a suspended machine does. No timer fires.
func (f *Fake) Sleep(d time.Duration) {
	f.mu.Lock()
	f.wall = f.wall.Add(d)
	f.mu.Unlock()
}

// Set moves the wall clock to t (for clock-skew tests).
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.wall = t
	f.mu.Unlock()
}

// Mono returns the fake monotonic time since creation.
func (f *Fake) Mono() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.mono
}

// Pending returns the number of timers that have not fired or been stopped.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.timers)
}

func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{f: f, c: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

func (f *Fake) dueLocked() []*fakeTimer {
	var due, rest []*fakeTimer
	for _, t := range f.timers {
		if t.at <= f.mono {
			due = append(due, t)
		} else {
			rest = append(rest, t)
		}
	}
	f.timers = rest
	return due
}

func fire(due []*fakeTimer, f *Fake) {
	now := f.Now()
	for _, t := range due {
		select {
		case t.c <- now:
		default:
		}
	}
}

type fakeTimer struct {
	f  *Fake
	c  chan time.Time
	at time.Duration
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	for i, x := range t.f.timers {
		if x == t {
			t.f.timers = append(t.f.timers[:i], t.f.timers[i+1:]...)
			return true
		}
	}
	return false
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	active := t.Stop()
	t.f.mu.Lock()
	t.at = t.f.mono + d
	if d <= 0 {
		t.f.mu.Unlock()
		fire([]*fakeTimer{t}, t.f)
	} else {
		t.f.timers = append(t.f.timers, t)
		t.f.mu.Unlock()
	}
	if t.f.TimerSet != nil {
		t.f.TimerSet <- t.at
	}
	return active
}
