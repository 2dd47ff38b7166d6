package tray

import (
	"fmt"
	"strings"
	"time"

	"github.com/ssokeeper/ssokeeper/assets"
	"github.com/ssokeeper/ssokeeper/internal/words"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// Model is everything the tray shows, computed from one snapshot. It is
// plain data so the rendering can be table-tested without a tray.
type Model struct {
	Icon    assets.Kind
	Tooltip string
	// Notice is a clickable line at the top of the menu that opens the
	// configuration ("No sessions — open configuration"); empty hides it.
	Notice   string
	Sessions []SessionItem
}

// SessionItem is one session's menu entry and its submenu.
type SessionItem struct {
	Name  string
	Label string // "work — OK, refreshes in 12 min"
	// Details are the lines under the actions: what happened, the fix, times.
	Details []string
	// SignInLabel is "Sign in", or "Signing in…" while one is pending.
	SignInLabel                     string
	CanLogin, CanRefresh, CanLogout bool
	// NeedsLogin: a click on the tray icon signs this session in.
	NeedsLogin bool
}

// maxDetails bounds the Details lines so the menu keeps a fixed shape.
const maxDetails = 10

// Render turns a snapshot into a Model.
func Render(s session.Snapshot, now time.Time) Model {
	m := Model{Icon: assets.NoSessions}
	var problems []string
	ok := 0
	for _, st := range s.Sessions {
		item, kind := renderSession(st, now)
		m.Sessions = append(m.Sessions, item)
		m.Icon = worse(m.Icon, kind)
		if kind == assets.OK {
			ok++
		} else {
			problems = append(problems, st.Name+": "+short(st, now))
		}
	}
	switch {
	case s.ConfigError != "":
		m.Icon = assets.Action
		m.Notice = "Configuration error — open configuration"
		first, _, _ := strings.Cut(s.ConfigError, "\n")
		m.Tooltip = "Configuration error: " + first
		return m
	case len(s.Sessions) == 0:
		m.Notice = "No sessions — open configuration"
		m.Tooltip = m.Notice
		return m
	}
	switch {
	case len(problems) == 0:
		m.Tooltip = words.Plural(ok, "session") + " OK"
	case ok > 0:
		m.Tooltip = strings.Join(problems, "; ") + "; " + words.Plural(ok, "other") + " OK"
	default:
		m.Tooltip = strings.Join(problems, "; ")
	}
	return m
}

// worse orders the kinds by urgency; NoSessions is the least.
func worse(a, b assets.Kind) assets.Kind {
	rank := map[assets.Kind]int{assets.NoSessions: 0, assets.OK: 1, assets.Attention: 2, assets.Action: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func renderSession(st session.Status, now time.Time) (SessionItem, assets.Kind) {
	item := SessionItem{
		Name:        st.Name,
		Label:       st.Name + " — " + describe(st, now),
		Details:     details(st, now),
		SignInLabel: "Sign in",
		CanLogin:    !st.LoginPending,
		CanLogout:   st.State != health.LoggedOut,
		CanRefresh: st.State == health.Healthy || st.State == health.Retrying ||
			st.State == health.Degraded || health.RetriesSlowly(st.Reason),
		NeedsLogin: (st.State == health.NeedsLogin || st.State == health.Expired) && !st.LoginPending,
	}
	if st.LoginPending {
		item.SignInLabel = "Signing in…"
	}
	return item, kindOf(st, now)
}

func kindOf(st session.Status, now time.Time) assets.Kind {
	switch {
	case st.State.NeedsAction():
		return assets.Action
	case st.State == health.Retrying || st.State == health.Degraded || st.EndingSoon(now):
		return assets.Attention
	case st.State == health.LoggedOut:
		return assets.NoSessions
	}
	return assets.OK
}

// title is the reason's short text, "sign-in needed: refresh token revoked".
func title(st session.Status) string {
	if st.Reason == health.None {
		return ""
	}
	return st.Title()
}

// describe is the state and time after the session's name in the menu.
func describe(st session.Status, now time.Time) string {
	var s string
	switch st.State {
	case health.Healthy:
		s = "OK"
		if st.NextRefresh != nil {
			s += ", refreshes " + words.When(*st.NextRefresh, now)
		}
	case health.Refreshing:
		s = "refreshing…"
	case health.Retrying:
		s = "retrying"
		if t := title(st); t != "" {
			s += " (" + t + ")"
		}
		if st.NextRefresh != nil {
			s += ", next try " + words.When(*st.NextRefresh, now)
		}
	case health.Degraded:
		s = "degraded"
		if t := title(st); t != "" {
			s += " (" + t + ")"
		}
	case health.NeedsLogin:
		s = title(st)
		if !strings.HasPrefix(s, "sign-in needed") {
			s = join("sign-in needed", s)
		}
	case health.Expired:
		s = title(st)
		if s != "session ended" {
			s = join("expired", s)
		}
	case health.ConfigError:
		s = join("configuration error", title(st))
	case health.LoggedOut:
		s = "signed out"
	default:
		s = string(st.State)
	}
	if st.EndingSoon(now) {
		s += ", session ends " + words.When(*st.SessionExpiresAt, now)
	}
	if u := signedInUntil(st, now); u != "" {
		s += ", " + u
	}
	if st.LoginPending {
		s += " — signing in…"
	}
	return s
}

func join(a, b string) string {
	if b == "" {
		return a
	}
	return a + ": " + b
}

// short is the state in a word or two, for the tooltip.
func short(st session.Status, now time.Time) string {
	switch st.State {
	case health.NeedsLogin:
		return "sign-in needed"
	case health.ConfigError:
		return "configuration error"
	case health.LoggedOut:
		return "signed out"
	case health.Healthy, health.Refreshing:
		if st.EndingSoon(now) {
			return "session ends " + words.When(*st.SessionExpiresAt, now)
		}
		return "OK"
	}
	return string(st.State)
}

// details are the lines under a session's actions: the message, the fix,
// the IdP's own words and the times that matter.
func details(st session.Status, now time.Time) []string {
	info := health.Describe(st.Reason)
	msg, fix := st.Message, st.Fix
	if msg == "" && st.Reason != health.None {
		msg, fix = info.Message, info.Fix
	}
	var lines []string
	if msg == "" {
		msg = "Healthy: tokens are refreshed before they expire."
	}
	lines = append(lines, wrap(msg, 60)...)
	if fix != "" {
		lines = append(lines, wrap("Fix: "+fix, 60)...)
	}
	if st.Detail != "" {
		lines = append(lines, wrap(health.DetailIntro(st.Reason)+st.Detail, 60)...)
	}
	if st.AccessExpiresAt != nil {
		lines = append(lines, "Access token expires "+words.When(*st.AccessExpiresAt, now))
	}
	if st.SessionExpiresAt != nil {
		lines = append(lines, "Session ends "+words.When(*st.SessionExpiresAt, now))
	}
	if st.LastRefresh != nil {
		lines = append(lines, "Last refresh "+words.When(*st.LastRefresh, now))
	}
	if st.ConsecutiveFailures > 0 {
		lines = append(lines, fmt.Sprintf("Failed %s in a row", words.Plural(st.ConsecutiveFailures, "time")))
	}
	if len(lines) > maxDetails {
		lines = append(lines[:maxDetails-1], "…")
	}
	return lines
}
