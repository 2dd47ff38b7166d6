package words

import (
	"testing"
	"time"
)

var now = time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)

func TestWhen(t *testing.T) {
	tests := map[time.Duration]string{
		0:                               "now",
		3 * time.Second:                 "now",
		40 * time.Second:                "in 40 s",
		42 * time.Second:                "in 45 s",
		12 * time.Minute:                "in 12 min",
		12*time.Minute + 20*time.Second: "in 12 min",
		59*time.Minute + 50*time.Second: "in 1 h",
		90 * time.Minute:                "in 1 h 30 min",
		2*time.Hour + 5*time.Minute:     "in 2 h 5 min",
		72 * time.Hour:                  "in 3 days",
		-3 * time.Minute:                "3 min ago",
		-20 * time.Second:               "now",
	}
	for d, want := range tests {
		if got := When(now.Add(d), now); got != want {
			t.Errorf("When(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestLeftRoundsUp: a warning says at most the time there is, and an hour
// and a half reads as it does in the menu.
func TestLeftRoundsUp(t *testing.T) {
	tests := map[time.Duration]string{
		0:                                "1 min",
		15 * time.Minute:                 "15 min",
		14*time.Minute + time.Second:     "15 min",
		time.Hour:                        "1 h",
		90 * time.Minute:                 "1 h 30 min",
		90*time.Minute + time.Second:     "1 h 31 min",
		26*time.Hour + 59*time.Minute:    "26 h 59 min",
		-5 * time.Minute:                 "1 min",
		59*time.Minute + 30*time.Second:  "1 h",
		119*time.Minute + 59*time.Second: "2 h",
	}
	for d, want := range tests {
		if got := Left(d); got != want {
			t.Errorf("Left(%v) = %q, want %q", d, got, want)
		}
	}
	if Left(90*time.Minute) != Span(90*time.Minute) {
		t.Errorf("Left and Span disagree on 90 min: %q, %q", Left(90*time.Minute), Span(90*time.Minute))
	}
}

func TestCompact(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{
		{-time.Hour, "0s"}, {0, "0s"}, {40 * time.Second, "40s"}, {12*time.Minute + 59*time.Second, "12m"},
		{time.Hour, "1h"}, {7*time.Hour + 42*time.Minute + 30*time.Second, "7h42m"},
		{50 * time.Hour, "2d2h"}, {90 * 24 * time.Hour, "90d"},
	} {
		at := now.Add(tt.in)
		if got := Compact(&at, now); got != tt.want {
			t.Errorf("Compact(now%+v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Compact(nil, now); got != "" {
		t.Errorf("unknown end: %q, want empty", got)
	}
}

func TestPlural(t *testing.T) {
	if got := Plural(1, "session") + ", " + Plural(3, "session"); got != "1 session, 3 sessions" {
		t.Errorf("got %q", got)
	}
}
