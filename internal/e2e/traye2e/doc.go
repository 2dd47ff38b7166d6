// Package traye2e tests the one-click sign-in from the tray end to end:
// the agent runs as `ssokeeper` does (cli.RunAgent with the tray), on a
// private D-Bus with a stand-in tray host (tray/traytest), against the
// test OpenID Provider. It is a package of its own because
// fyne.io/systray starts once per process.
package traye2e
