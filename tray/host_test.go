//go:build linux

package tray

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/session/clock"
)

// chanHandler hands every log message to the test.
type chanHandler struct{ msgs chan string }

func (h chanHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h chanHandler) Handle(_ context.Context, r slog.Record) error {
	h.msgs <- r.Message
	return nil
}
func (h chanHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h chanHandler) WithGroup(string) slog.Handler      { return h }

func waitLog(t *testing.T, msgs <-chan string, want string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-msgs:
			if strings.Contains(m, want) {
				return
			}
		case <-deadline:
			t.Fatalf("no log line %q", want)
		}
	}
}

// The panel starts after the agent, restarts, and later disappears: the
// person hears once, only when no host came within the grace period.
func TestWatchHostFollowsThePanel(t *testing.T) {
	privateSessionBus(t)
	panel, err := privateBus()
	if err != nil {
		t.Fatal(err)
	}
	defer panel.Close()
	clk := clock.NewFake(time.Now())
	msgs := make(chan string, 64)
	missing := make(chan string, 4)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		WatchHost(ctx, clk, 30*time.Second, slog.New(chanHandler{msgs}), func(why string) { missing <- why })
	}()
	defer func() { cancel(); <-done }()
	waitPending := func(n int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for clk.Pending() != n {
			if time.Now().After(deadline) {
				t.Fatalf("%d timers pending, want %d", clk.Pending(), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	hostUp := func() {
		t.Helper()
		if r, err := panel.RequestName(watcher, dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("could not own %s: %v %v", watcher, r, err)
		}
		waitLog(t, msgs, "tray host appeared")
	}
	hostDown := func() {
		t.Helper()
		if _, err := panel.ReleaseName(watcher); err != nil {
			t.Fatal(err)
		}
		waitLog(t, msgs, "tray host went away")
	}

	waitPending(1) // no host yet: the grace period runs
	hostUp()       // the panel starts a few seconds after the agent
	waitPending(0)
	clk.Advance(time.Minute)
	hostDown() // the panel restarts...
	hostUp()   // ...and is back within the grace period
	waitPending(0)
	clk.Advance(time.Minute)
	select {
	case why := <-missing:
		t.Fatalf("told %q although a host was there", why)
	default:
	}

	hostDown() // the panel is gone for good
	waitPending(1)
	clk.Advance(30 * time.Second)
	select {
	case why := <-missing:
		if !strings.Contains(why, "AppIndicator") {
			t.Errorf("why = %q, want the GNOME hint", why)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("not told that no tray host is there")
	}
	hostUp()
	hostDown()
	waitPending(0) // told once: no second notice for this run
}
