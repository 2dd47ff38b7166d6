//go:build !linux

package agent

import (
	"context"
	"log/slog"
)

// Elsewhere the keyring, the network and the session end are not watched:
// sessions retry on their backoff, and the OS ends the agent at logout.
func watchKeyring(ctx context.Context, ready func(), log *slog.Logger) {}
func watchNetwork(ctx context.Context, up func(), log *slog.Logger)    {}

// WatchSessionBus does nothing where there is no D-Bus session bus.
func WatchSessionBus(ctx context.Context, log *slog.Logger, gone func()) {}

// watchResume: elsewhere the manager's wall-clock watchdog notices sleep.
func watchResume(ctx context.Context, wake func(), log *slog.Logger) {}
