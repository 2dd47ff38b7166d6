// Command demo shows ssokeeper at work with no account anywhere: the tray
// agent, an OpenID Provider on 127.0.0.1, and one session whose tokens live
// a minute. A control page lets you revoke the session, take the IdP down
// or skew its clock, and watch ssokeeper diagnose each failure and offer a
// one-click sign-in.
//
//	go run ./demo              with the tray icon
//	go run ./demo --headless   no tray (SSH, CI): notifications and the control page only
//
// It never touches your own ssokeeper configuration, state or agent: it
// points SSOKEEPER_CONFIG, SSOKEEPER_STATE_DIR and SSOKEEPER_RUNTIME_DIR at
// a temporary folder that it removes at exit.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"sort"
	"syscall"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/cli"
)

// The tray must run on the main thread on macOS.
func init() { runtime.LockOSThread() }

func main() {
	headless := flag.Bool("headless", false, "run without a tray icon, and do not open a browser")
	verbose := flag.Bool("v", false, "also log to the terminal")
	flag.Parse()
	// The IdP's library logs each rejected request (the revocations the
	// person causes on purpose) to the default logger: keep real errors only.
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	os.Exit(run(*headless, *verbose, os.Stderr))
}

func run(headless, verbose bool, out io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := Setup()
	if err != nil {
		fmt.Fprintf(out, "demo: %v\n", err)
		return 1
	}
	defer d.Close()
	if !headless {
		d.OpenBrowser = cli.OpenBrowser
	}
	signCtx, cancel := context.WithTimeout(ctx, time.Minute)
	err = d.SignInFirst(signCtx)
	cancel()
	if err != nil {
		fmt.Fprintf(out, "demo: signing the demo session in: %v\n", err)
		return 1
	}
	ctl, err := d.Serve()
	if err != nil {
		fmt.Fprintf(out, "demo: control page: %v\n", err)
		return 1
	}
	defer ctl.Close()
	instructions(out, d, ctl.URL, headless)
	if d.OpenBrowser != nil {
		if err := d.OpenBrowser(ctl.URL); err != nil {
			fmt.Fprintf(out, "(could not open a browser: %v; open the control page yourself)\n", err)
		}
	}
	e := &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: out, Version: "demo"}
	return cli.RunAgent(ctx, e, &cli.Globals{Verbose: verbose}, d.AgentOptions(), !headless)
}

func instructions(w io.Writer, d *Demo, control string, headless bool) {
	fmt.Fprintf(w, `
ssokeeper demo
  Identity provider  %s (user %s, password %s)
  Session "demo"     signed in; access tokens live 1 minute, so ssokeeper refreshes about every 30 s
  Keyring            %s
  Files              %s (removed at exit)

Break things on the control page (%s):
  %s
  - "Revoke the session at the IdP": the next refresh fails with invalid_grant; the session
    needs a sign-in and a notification offers one.
  - "Take the IdP down": refreshes fail to connect; ssokeeper keeps the token and retries.
  - "Skew the IdP's clock by 10 minutes": ssokeeper reports clock skew.
  - "Refresh now": refresh at once instead of waiting.
Then repair: click Sign in in the notification or the tray menu (log in as %s / %s),
or press "Sign in again" on the control page.

From another terminal, point ssokeeper at the demo:
`, d.IdP.Issuer(), d.IdP.Username(), d.IdP.Password(), d.KeyringNote, d.Dir,
		map[bool]string{true: "headless: open it in a browser", false: "opening it in your browser"}[headless],
		control, d.IdP.Username(), d.IdP.Password())
	env := d.Env()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprint(w, "  export")
	for _, k := range keys {
		fmt.Fprintf(w, " %s=%s", k, env[k])
	}
	fmt.Fprint(w, "\n  go run . status; go run . doctor demo --refresh\n\nPress Ctrl-C to stop the demo.\n\n")
}
