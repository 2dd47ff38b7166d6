//go:build !(linux || freebsd || openbsd || netbsd || dragonfly || windows)

package notify

import (
	"fmt"

	"github.com/gen2brain/beeep"
)

// beeepTransport shows plain notifications (macOS and the rest). beeep has
// no actions, so the text sends the person to the tray icon instead.
type beeepTransport struct{ transportOptions }

func newTransport(o transportOptions) (transport, error) {
	beeep.AppName = o.appName
	return beeepTransport{o}, nil
}

func (t beeepTransport) show(m message) error {
	// beeep wants a string or bytes, never nil; "" means no icon.
	if err := beeep.Notify(m.title, m.withClickHint(t.appName), t.icon); err != nil {
		return fmt.Errorf("the system did not show the notification: %w", err)
	}
	return nil
}

func (beeepTransport) close() error { return nil }
