package notify

import "log/slog"

// logTransport writes notifications to the log when no desktop can show
// them (no session bus, headless).
type logTransport struct{ log *slog.Logger }

func (t logTransport) show(m message) error {
	t.log.Info("notification", "title", m.title, "body", m.body)
	return nil
}

func (logTransport) close() error { return nil }
