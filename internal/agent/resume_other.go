//go:build !linux

package agent

import (
	"context"
	"log/slog"
)

// watchResume: elsewhere the manager's wall-clock watchdog notices sleep.
func watchResume(ctx context.Context, wake func(), log *slog.Logger) {}
