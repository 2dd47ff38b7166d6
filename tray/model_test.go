package tray

import (
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/assets"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) *time.Time { t := now.Add(d); return &t }

func healthy(name string, next time.Duration) session.Status {
	return session.Status{Name: name, State: health.Healthy, NextRefresh: at(next),
		AccessExpiresAt: at(next + 5*time.Minute)}
}

func failing(name string, r health.Reason) session.Status {
	info := health.Describe(r)
	return session.Status{Name: name, State: info.State, Reason: r, Message: info.Message, Fix: info.Fix}
}

func TestRender(t *testing.T) {
	retry := failing("work", health.IdPUnreachable)
	retry.NextRefresh = at(40 * time.Second)
	ending := healthy("aws", 12*time.Minute)
	ending.SessionExpiresAt = at(9 * time.Minute)
	endingLater := healthy("aws", 12*time.Minute)
	endingLater.SessionExpiresAt = at(3 * time.Hour)
	pending := failing("work", health.RefreshTokenRevoked)
	pending.LoginPending = true

	tests := []struct {
		name    string
		snap    session.Snapshot
		icon    assets.Kind
		tooltip string
		labels  []string
		notice  string
	}{
		{"none", session.Snapshot{}, assets.NoSessions,
			"No sessions — open configuration", nil, "No sessions — open configuration"},
		{"all ok", session.Snapshot{Sessions: []session.Status{healthy("work", 12*time.Minute), healthy("home", 90*time.Minute)}},
			assets.OK, "2 sessions OK",
			[]string{"work — OK, refreshes in 12 min", "home — OK, refreshes in 1 h 30 min"}, ""},
		{"one ok", session.Snapshot{Sessions: []session.Status{healthy("work", 30*time.Second)}},
			assets.OK, "1 session OK", []string{"work — OK, refreshes in 30 s"}, ""},
		{"revoked", session.Snapshot{Sessions: []session.Status{failing("work", health.RefreshTokenRevoked), healthy("home", 5*time.Minute)}},
			assets.Action, "work: sign-in needed; 1 other OK",
			[]string{"work — sign-in needed: refresh token revoked", "home — OK, refreshes in 5 min"}, ""},
		{"retrying", session.Snapshot{Sessions: []session.Status{retry}},
			assets.Attention, "work: retrying",
			[]string{"work — retrying (identity provider unreachable), next try in 40 s"}, ""},
		{"degraded", session.Snapshot{Sessions: []session.Status{failing("work", health.KeyringUnavailable)}},
			assets.Attention, "work: degraded", []string{"work — degraded (keyring unavailable)"}, ""},
		{"ending soon", session.Snapshot{Sessions: []session.Status{ending}},
			assets.Attention, "aws: session ends in 9 min",
			[]string{"aws — OK, refreshes in 12 min, session ends in 9 min"}, ""},
		{"ending later", session.Snapshot{Sessions: []session.Status{endingLater}},
			assets.OK, "1 session OK", []string{"aws — OK, refreshes in 12 min, signed in until " + clockTime(*at(3 * time.Hour), now)}, ""},
		{"action beats attention", session.Snapshot{Sessions: []session.Status{retry, failing("aws", health.SessionEnded)}},
			assets.Action, "work: retrying; aws: expired",
			[]string{"work — retrying (identity provider unreachable), next try in 40 s", "aws — session ended"}, ""},
		{"config error in session", session.Snapshot{Sessions: []session.Status{failing("work", health.ClientMisconfigured)}},
			assets.Action, "work: configuration error", []string{"work — configuration error: client misconfigured"}, ""},
		{"config file broken", session.Snapshot{ConfigError: "config.toml:3: unknown field", Sessions: []session.Status{healthy("work", time.Hour)}},
			assets.Action, "Configuration error: config.toml:3: unknown field", []string{"work — OK, refreshes in 1 h"},
			"Configuration error — open configuration"},
		{"signed out", session.Snapshot{Sessions: []session.Status{failing("work", health.LoggedOutByUser)}},
			assets.NoSessions, "work: signed out", []string{"work — signed out"}, ""},
		{"login pending", session.Snapshot{Sessions: []session.Status{pending}},
			assets.Action, "work: sign-in needed", []string{"work — sign-in needed: refresh token revoked — signing in…"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Render(tt.snap, now)
			if m.Icon != tt.icon {
				t.Errorf("icon %v, want %v", m.Icon, tt.icon)
			}
			if m.Tooltip != tt.tooltip {
				t.Errorf("tooltip %q, want %q", m.Tooltip, tt.tooltip)
			}
			if m.Notice != tt.notice {
				t.Errorf("notice %q, want %q", m.Notice, tt.notice)
			}
			var labels []string
			for _, s := range m.Sessions {
				labels = append(labels, s.Label)
			}
			if strings.Join(labels, "\n") != strings.Join(tt.labels, "\n") {
				t.Errorf("labels\n%q\nwant\n%q", labels, tt.labels)
			}
		})
	}
}

func TestRenderWarnBeforeFromConfig(t *testing.T) {
	ending := healthy("aws", 12*time.Minute)
	ending.SessionExpiresAt = at(45 * time.Minute)
	snap := session.Snapshot{Sessions: []session.Status{ending}}
	if m := Render(snap, now); m.Icon != assets.OK {
		t.Errorf("45 min left with the 15 min default: icon %v, want OK", m.Icon)
	}
	snap.Sessions[0].WarnAt = at(45*time.Minute - time.Hour) // warn_before = "1h"
	if m := Render(snap, now); m.Icon != assets.Attention {
		t.Errorf("45 min left with warn_before 1h: icon %v, want Attention", m.Icon)
	}
}

func TestSessionActions(t *testing.T) {
	pending := failing("a", health.RefreshTokenExpired)
	pending.LoginPending = true
	tests := []struct {
		st                            session.Status
		login, refresh, logout, needs bool
		signIn                        string
	}{
		{healthy("a", time.Minute), true, true, true, false, "Sign in"},
		{failing("a", health.RefreshTokenRevoked), true, false, true, true, "Sign in"},
		{failing("a", health.SessionEnded), true, false, true, true, "Sign in"},
		{failing("a", health.ClientMisconfigured), true, false, true, false, "Sign in"},
		{failing("a", health.IdPError), true, true, true, false, "Sign in"},
		{failing("a", health.LoggedOutByUser), true, false, false, false, "Sign in"},
		{pending, false, false, true, false, "Signing in…"},
	}
	for _, tt := range tests {
		it, _ := renderSession(tt.st, now)
		got := []bool{it.CanLogin, it.CanRefresh, it.CanLogout, it.NeedsLogin}
		want := []bool{tt.login, tt.refresh, tt.logout, tt.needs}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s/%s: login,refresh,logout,needs = %v, want %v", tt.st.State, tt.st.Reason, got, want)
				break
			}
		}
		if it.SignInLabel != tt.signIn {
			t.Errorf("%s: sign-in label %q", tt.st.State, it.SignInLabel)
		}
	}
}

func TestDetailsCarryMessageFixAndTimes(t *testing.T) {
	st := failing("work", health.RefreshTokenRevoked)
	st.Detail = "AADSTS50173: the provided grant has expired due to it being revoked"
	st.LastRefresh = at(-3 * time.Minute)
	st.ConsecutiveFailures = 2
	d := strings.Join(details(st, now), " ")
	for _, want := range []string{"revoked the refresh token", "Fix: Sign in again", "AADSTS50173", "Last refresh 3 min ago", "Failed 2 times in a row"} {
		if !strings.Contains(d, want) {
			t.Errorf("details lack %q:\n%s", want, d)
		}
	}
	for _, l := range details(st, now) {
		if len([]rune(l)) > 60 {
			t.Errorf("line longer than 60: %q", l)
		}
	}
	proxy := failing("work", health.IdPUnreachable)
	proxy.Detail = "the proxy http://127.0.0.1:1 (HTTPS_PROXY) is not answering"
	if d := strings.Join(details(proxy, now), " "); !strings.Contains(d, "The connection failed: the proxy") || strings.Contains(d, "identity provider said") {
		t.Errorf("a proxy failure is worded as the identity provider's answer:\n%s", d)
	}
	long := st
	long.Detail = strings.Repeat("very long words ", 60)
	if n := len(details(long, now)); n != maxDetails {
		t.Errorf("details not capped: %d lines", n)
	}
}

func TestWrap(t *testing.T) {
	got := wrap("one two three four five", 9)
	want := []string{"one two", "three", "four five"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrap = %q, want %q", got, want)
	}
}
