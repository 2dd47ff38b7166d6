package session

import (
	"context"
	"time"
)

// Sessions is the manager's method set as every client sees it. The
// in-process *Manager and the agent's socket client (api.Client) both
// implement it, so a command works the same through either; which one it
// gets is decided once, where the command starts.
type Sessions interface {
	// Status returns the snapshot of every session.
	Status(ctx context.Context) (Snapshot, error)
	// Refresh refreshes a session now, or joins the refresh under way.
	Refresh(ctx context.Context, name string) error
	// Login signs a session in; only call it because a person asked.
	Login(ctx context.Context, name string, req LoginRequest) error
	// Logout revokes the refresh token and forgets the session's secrets.
	Logout(ctx context.Context, name string) error
	// Token returns an access token valid for at least minValid.
	Token(ctx context.Context, name string, minValid time.Duration) (Tokens, error)
}

// Published is Sessions that also publish snapshots as they change: the
// in-process manager, which the views (tray, notifier) subscribe to.
type Published interface {
	Sessions
	// Snapshot is Status without a round trip: it never fails.
	Snapshot() Snapshot
	// Subscribe starts with the current snapshot, then every change.
	Subscribe() (<-chan Update, func())
}

var _ Published = (*Manager)(nil)

// Status returns the snapshot; it never fails in process.
func (m *Manager) Status(context.Context) (Snapshot, error) { return m.Snapshot(), nil }
