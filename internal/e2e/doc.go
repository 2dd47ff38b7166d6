// Package e2e holds end-to-end tests of the paths a person takes: a
// session breaks, a notification or the tray offers "Sign in", one click
// opens the browser once, and the session is healthy again. Every part is
// real: the agent and the command line in this process, the ssokeeper
// binary as child processes, an OpenID Provider on 127.0.0.1
// (internal/testidp), a private dbus-daemon, and a fake notification
// server (notify/notifytest) or tray host (tray/traytest) on it. Only the
// browser is a stand-in: this test binary signs in as the test user when
// run as $BROWSER.
//
// The tray test lives in ./traye2e: fyne.io/systray starts once per
// process.
package e2e
