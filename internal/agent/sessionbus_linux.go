package agent

import (
	"context"
	"log/slog"

	"github.com/ssokeeper/ssokeeper/internal/sessionbus"
)

// WatchSessionBus calls gone when the D-Bus session bus goes away: the
// desktop session ended, and the agent must stop (state saved) rather than
// linger with a dead tray. Without a session bus at start it does nothing.
func WatchSessionBus(ctx context.Context, log *slog.Logger, gone func()) {
	conn, err := sessionbus.Dial()
	if err != nil {
		return
	}
	defer conn.Close()
	select {
	case <-ctx.Done():
	case <-conn.Context().Done():
		if ctx.Err() == nil {
			log.Info("the D-Bus session bus went away (the session ended); stopping")
			gone()
		}
	}
}
