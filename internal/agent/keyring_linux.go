package agent

import (
	"context"
	"log/slog"

	"github.com/godbus/dbus/v5"

	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// watchKeyring calls ready each time the Secret Service becomes usable:
// it starts (the name gets an owner) unlocked, or its collection unlocks.
// It listens on a private connection, never on the shared one that
// go-keyring and systray use, and never asks anything that would prompt.
func watchKeyring(ctx context.Context, ready func(), log *slog.Logger) {
	conn, err := sessionbus.Dial()
	if err != nil {
		return
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	rules := [][]dbus.MatchOption{
		{dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchInterface("org.freedesktop.DBus"),
			dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, "org.freedesktop.secrets")},
		// Locked changes: gnome-keyring says CollectionChanged, others
		// PropertiesChanged; either makes us look again.
		{dbus.WithMatchSender("org.freedesktop.secrets"), dbus.WithMatchInterface("org.freedesktop.Secret.Service")},
		{dbus.WithMatchSender("org.freedesktop.secrets"), dbus.WithMatchInterface("org.freedesktop.DBus.Properties"),
			dbus.WithMatchMember("PropertiesChanged")},
	}
	for _, r := range rules {
		if err := conn.AddMatchSignal(r...); err != nil {
			log.Debug("not watching the keyring; sessions waiting for it retry on their backoff", "err", err)
			return
		}
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	usable := func() bool {
		running, locked, known := store.KeyringState(conn)
		return running && !(locked && known)
	}
	was := usable()
	for range ch {
		now := usable()
		if now && !was {
			log.Info("the keyring is available; retrying the sessions that waited for it")
			ready()
		}
		was = now
	}
}
