//go:build !linux

package notify

import (
	"context"
	"log/slog"
)

// WatchPresence returns nil here: no screen-lock signal is followed, so
// notifications are never held.
func WatchPresence(ctx context.Context, log *slog.Logger) Presence { return nil }
