// Package words holds how ssokeeper writes durations and times for a
// person: the tray, notifications, `status` and `doctor` all use it, so
// "1 h 30 min" reads the same everywhere.
package words

import (
	"fmt"
	"time"
)

// When says how far t is from now: "in 12 min", "in 40 s",
// "in 2 h 5 min", "3 min ago", "now".
func When(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -30*time.Second && d < 5*time.Second:
		return "now"
	case d < 0:
		return Span(-d) + " ago"
	}
	return "in " + Span(d)
}

// Span rounds d to what a person needs: seconds (by 5) under a minute,
// minutes under an hour, hours and minutes under two days, then days.
func Span(d time.Duration) string {
	switch {
	case d < 58*time.Second:
		s := int((d + 4*time.Second).Seconds()) / 5 * 5
		return fmt.Sprintf("%d s", max(s, 5))
	case d < time.Hour-30*time.Second:
		return fmt.Sprintf("%d min", max(int(d.Round(time.Minute).Minutes()), 1))
	case d < 48*time.Hour:
		return hoursMinutes(int(d.Round(time.Minute).Minutes()))
	}
	return fmt.Sprintf("%d days", int(d.Round(24*time.Hour).Hours())/24)
}

// Left says how long is left, rounded up to the minute, so a warning never
// promises more time than there is: "15 min", "1 h 30 min".
func Left(d time.Duration) string {
	m := max(int((d+time.Minute-1)/time.Minute), 1)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return hoursMinutes(m)
}

func hoursMinutes(minutes int) string {
	h, m := minutes/60, minutes%60
	if m == 0 {
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %d min", h, m)
}

// Compact says how long until t in at most two units and no spaces, for
// shell prompts: "2d3h", "7h42m", "12m", "40s"; "0s" once t is past; ""
// when t is unknown.
func Compact(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return twoUnits(int(d/time.Hour), "h", int(d%time.Hour/time.Minute), "m")
	default:
		return twoUnits(int(d/(24*time.Hour)), "d", int(d%(24*time.Hour)/time.Hour), "h")
	}
}

func twoUnits(a int, ua string, b int, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
}

// Plural is "1 session", "3 sessions".
func Plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
