//go:build !(linux || freebsd || openbsd || netbsd)

package tray

import (
	"context"
	"log/slog"
	"time"

	"github.com/ssokeeper/ssokeeper/session/clock"
)

// WatchHost: Windows and macOS always have a notification area / menu bar.
func WatchHost(ctx context.Context, clk clock.Clock, grace time.Duration, log *slog.Logger, missing func(why string)) {
}
