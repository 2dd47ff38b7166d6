package tray

import (
	"fmt"
	"strings"
	"time"
)

// when says how far t is from now, in the words of a menu:
// "in 12 min", "in 40 s", "in 2 h 5 min", "3 min ago", "now".
func when(t, now time.Time) string {
	d := t.Sub(now)
	switch {
	case d > -30*time.Second && d < 5*time.Second:
		return "now"
	case d < 0:
		return span(-d) + " ago"
	}
	return "in " + span(d)
}

// span rounds d to what a person needs: seconds (by 5) under a minute,
// minutes under an hour, hours and minutes under two days, then days.
func span(d time.Duration) string {
	switch {
	case d < 58*time.Second:
		s := int((d + 4*time.Second).Seconds()) / 5 * 5
		return fmt.Sprintf("%d s", max(s, 5))
	case d < time.Hour-30*time.Second:
		return fmt.Sprintf("%d min", max(int(d.Round(time.Minute).Minutes()), 1))
	case d < 48*time.Hour:
		d = d.Round(time.Minute)
		h, m := int(d.Hours()), int(d.Minutes())%60
		if m == 0 {
			return fmt.Sprintf("%d h", h)
		}
		return fmt.Sprintf("%d h %d min", h, m)
	}
	return fmt.Sprintf("%d days", int(d.Round(24*time.Hour).Hours())/24)
}

// wrap breaks text into lines of at most width runes, at spaces. Menu
// items are one line each on most trays, so long text becomes several.
func wrap(text string, width int) []string {
	var lines []string
	var cur []string
	n := 0
	for _, w := range strings.Fields(text) {
		l := len([]rune(w))
		if n > 0 && n+1+l > width {
			lines = append(lines, strings.Join(cur, " "))
			cur, n = nil, 0
		}
		if n > 0 {
			n++
		}
		cur, n = append(cur, w), n+l
	}
	if len(cur) > 0 {
		lines = append(lines, strings.Join(cur, " "))
	}
	return lines
}
