// Command demo shows the tray with made-up sessions and no identity
// provider, for screenshots (scripts/screenshot-tray.sh) and for trying the
// menu by hand. Clicks are printed, not carried out.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/tray"
)

type backend struct{ snap session.Snapshot }

func (b backend) Subscribe() (<-chan session.Update, func()) {
	return make(chan session.Update), func() {}
}
func (b backend) Snapshot() session.Snapshot { return b.snap }
func (backend) Login(n string)               { fmt.Println("login", n) }
func (backend) Refresh(n string)             { fmt.Println("refresh", n) }
func (backend) Logout(n string)              { fmt.Println("logout", n) }
func (backend) RefreshAll()                  { fmt.Println("refresh all") }

func main() {
	now := time.Now()
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	failing := func(name string, r health.Reason) session.Status {
		info := health.Describe(r)
		return session.Status{Name: name, State: info.State, Reason: r, Message: info.Message, Fix: info.Fix}
	}
	aws := failing("aws-prod", health.IdPUnreachable)
	aws.NextRefresh, aws.ConsecutiveFailures = at(40*time.Second), 2
	gh := failing("github", health.RefreshTokenRevoked)
	gh.Detail = "invalid_grant: token was revoked"
	b := backend{session.Snapshot{Sessions: []session.Status{
		{Name: "work", Provider: "keycloak", State: health.Healthy, NextRefresh: at(12*time.Minute + 10*time.Second),
			AccessExpiresAt: at(17 * time.Minute), SessionExpiresAt: at(9 * time.Hour), LastRefresh: at(-3 * time.Minute)},
		aws, gh,
	}}}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if ok, why := tray.Available(); !ok {
		fmt.Fprintln(os.Stderr, "demo:", why)
	}
	err := tray.Run(ctx, b, tray.Options{
		ConfigPath: "config.toml", LogPath: "ssokeeper.log",
		Open: func(p string) error { fmt.Println("open", p); return nil },
		Quit: func() { fmt.Println("quit") },
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}
