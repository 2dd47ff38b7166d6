// Command demo shows one failure notification, with its Sign in action,
// through the real notifier on the desktop's notification server, for
// screenshots (scripts/screenshot-notification.sh) and for trying by hand.
// A click is printed, not carried out.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/ssokeeper/ssokeeper/notify"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

type actions struct{}

func (actions) Login(name string) { fmt.Println("login", name) }

func main() {
	icon := ""
	if len(os.Args) > 1 {
		icon = os.Args[1]
	}
	n, err := notify.New(notify.Options{IconPath: icon, GroupWindow: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
	defer n.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	updates := make(chan session.Update, 2)
	healthy := session.Status{Name: "work", Provider: "keycloak", State: health.Healthy}
	updates <- session.Update{Snapshot: session.Snapshot{Sessions: []session.Status{healthy}}}
	info := health.Describe(health.SSOSessionExpired)
	failed := session.Status{Name: "work", Provider: "keycloak", State: info.State, Reason: health.SSOSessionExpired,
		Message: info.Message, Fix: info.Fix, Detail: "invalid_grant: Session not active"}
	updates <- session.Update{
		Snapshot: session.Snapshot{Sessions: []session.Status{failed}},
		Events: []session.Event{{Kind: session.StateChanged, Session: "work", From: health.Healthy,
			To: failed.State, Reason: failed.Reason, Status: failed}},
	}
	fmt.Println("notification sent; Ctrl-C to stop")
	n.Run(ctx, updates, actions{})
}
