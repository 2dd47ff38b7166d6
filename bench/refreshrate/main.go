// Command refreshrate measures how often the agent asks the identity
// provider for tokens: 50 sessions signed in to a real OpenID Provider on
// 127.0.0.1, the agent's scheduler run over a simulated day on a fake
// clock, and the IdP's count of refresh grants, for access tokens of 60 s,
// 5 min and 1 h. The ideal is one refresh per (lifetime − refresh margin).
//
//	go run ./bench/refreshrate [-sessions 50] [-hours 24]
//
// With -callers it also has a token caller per session asking every 5 s
// with --min-valid 60s (kubectl in a loop), which must add no refreshes.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/logging"
	"github.com/ssokeeper/ssokeeper/internal/testidp"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/clock"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/providers"
	"github.com/ssokeeper/ssokeeper/session/store"
)

func main() {
	sessions := flag.Int("sessions", 50, "signed-in sessions")
	hours := flag.Int("hours", 24, "simulated hours")
	callers := flag.Bool("callers", false, "also ask for a token every 5 s per session with --min-valid 60s")
	lifetimes := flag.String("lifetimes", "1m,5m,1h", "access-token lifetimes to simulate")
	flag.Parse()
	fmt.Printf("%d sessions, %d simulated hours; refreshes per session per hour\n\n", *sessions, *hours)
	fmt.Printf("%-10s %10s %10s %12s %9s %7s\n", "lifetime", "measured", "ideal", "token calls", "failures", "nudges")
	for _, l := range strings.Split(*lifetimes, ",") {
		lifetime, err := time.ParseDuration(l)
		if err != nil || lifetime <= 0 {
			fmt.Fprintf(os.Stderr, "refreshrate: -lifetimes: %q is not a duration\n", l)
			os.Exit(2)
		}
		r, err := simulate(lifetime, *sessions, time.Duration(*hours)*time.Hour, *callers)
		if err != nil {
			fmt.Fprintln(os.Stderr, "refreshrate:", err)
			os.Exit(1)
		}
		perHour := float64(r.refreshes) / float64(*sessions) / float64(*hours)
		fmt.Printf("%-10v %10.2f %10.2f %12d %9d %7d\n", lifetime, perHour, ideal(lifetime), r.tokenCalls, r.failures, r.nudges)
	}
}

// ideal is one refresh per lifetime minus the default margin (20% of the
// lifetime within 1–10 min, at most half of it).
func ideal(lifetime time.Duration) float64 {
	margin := min(max(lifetime/5, time.Minute), 10*time.Minute, lifetime/2)
	return float64(time.Hour) / float64(lifetime-margin)
}

type result struct {
	refreshes, tokenCalls, failures int
	// nudges counts the times a due session was still not refreshed
	// after 2 s and the scheduler was woken by hand. The fake clock can
	// jump between the scheduler reading the time and setting its timer,
	// which then fires late by the whole jump; on a real clock that gap
	// is the microseconds the scheduler takes.
	nudges int
}

func simulate(lifetime time.Duration, n int, span time.Duration, callers bool) (result, error) {
	idp, err := testidp.New(testidp.Options{AccessTokenLifetime: lifetime, RefreshTokenLifetime: 1000 * time.Hour})
	if err != nil {
		return result{}, err
	}
	defer idp.Close()
	dir, err := os.MkdirTemp("", "sk-refreshrate")
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(dir)
	cfg := &config.Config{}
	for i := range n {
		cfg.Sessions = append(cfg.Sessions, config.Session{
			Name: "s" + strconv.Itoa(i), Provider: "oidc", Issuer: idp.Issuer(), ClientID: idp.ClientID(),
			Scopes: []string{"openid", "offline_access"}, Flow: "browser",
		})
	}
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	m, err := session.New(session.Options{Config: cfg, Secrets: store.NewMemory(), StateDir: dir,
		Providers: providers.New, Clock: clk, Agent: true, Seed: 1,
		Logger: logging.New(os.Stderr, slog.LevelWarn)})
	if err != nil {
		return result{}, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); m.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for _, s := range cfg.Sessions {
		if err := login(m, idp, s.Name); err != nil {
			return result{}, fmt.Errorf("sign-in of %s: %w", s.Name, err)
		}
	}
	before := idp.RefreshCount()
	var r result
	end := clk.Now().Add(span)
	nextCall := clk.Now()
	for {
		snap, err := settle(m, clk.Now(), &r.nudges)
		if err != nil {
			return result{}, err
		}
		now := clk.Now()
		if callers && !nextCall.After(now) {
			for _, s := range cfg.Sessions {
				if _, err := m.Token(ctx, s.Name, time.Minute); err != nil {
					r.failures++
				}
				r.tokenCalls++
			}
			nextCall = now.Add(5 * time.Second)
			continue // the calls may have refreshed: settle again
		}
		next := end
		for _, st := range snap.Sessions {
			r.failures += st.ConsecutiveFailures
			if st.NextRefresh != nil && st.NextRefresh.Before(next) {
				next = *st.NextRefresh
			}
		}
		if callers && nextCall.Before(next) {
			next = nextCall
		}
		if !next.Before(end) {
			break
		}
		// Planned times are published rounded to the second, so one at
		// next may be half a second later: step at least that far.
		clk.Advance(max(next.Sub(now), time.Second/2))
	}
	r.refreshes = idp.RefreshCount() - before
	return r, nil
}

// settle waits until no session is refreshing and no planned refresh lies
// surely before now (plans are published rounded to the second), that is
// until the scheduler has done all that is due.
func settle(m *session.Manager, now time.Time, nudges *int) (session.Snapshot, error) {
	deadline := time.Now().Add(30 * time.Second)
	nudge := time.Now().Add(2 * time.Second)
	for {
		snap := m.Snapshot()
		quiet := true
		for _, st := range snap.Sessions {
			if st.State == health.Refreshing || st.NextRefresh == nil || st.NextRefresh.Before(now.Add(-time.Second/2)) {
				quiet = false
				break
			}
		}
		if quiet {
			return snap, nil
		}
		if time.Now().After(nudge) {
			*nudges++
			m.Wake()
			nudge = time.Now().Add(2 * time.Second)
		}
		if time.Now().After(deadline) {
			st := snap.Sessions[0]
			for _, s := range snap.Sessions {
				if s.State == health.Refreshing || s.NextRefresh == nil || s.NextRefresh.Before(now.Add(-time.Second/2)) {
					st = s
				}
			}
			return snap, fmt.Errorf("the scheduler did not settle at %v: %s is %s/%s, next refresh %v", now, st.Name, st.State, st.Reason, st.NextRefresh)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func login(m *session.Manager, idp *testidp.IdP, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return m.Login(ctx, name, session.LoginRequest{OpenURL: func(u string) error {
		go idp.Browse(ctx, u) //nolint:errcheck // the sign-in result tells
		return nil
	}})
}
