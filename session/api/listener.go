package api

import (
	"log/slog"
	"net"
	"sync"
	"time"
)

// refusalLogPeriod spaces the log lines about refused connections, so a
// hostile loop cannot flush the log's history out.
const refusalLogPeriod = time.Minute

// peerCheckListener closes connections from other users before the HTTP
// server sees them: the directory's and socket's modes are the first
// guard, this the second. Each refusal is logged (at most one line a
// minute, with the count of those not logged).
type peerCheckListener struct {
	net.Listener
	log *slog.Logger

	mu         sync.Mutex
	lastLogged time.Time
	unlogged   int
}

func (l *peerCheckListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err == nil && uid == myUID() {
			return c, nil
		}
		c.Close()
		l.refused(uid, err)
	}
}

func (l *peerCheckListener) refused(uid int, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if !l.lastLogged.IsZero() && now.Sub(l.lastLogged) < refusalLogPeriod {
		l.unlogged++
		return
	}
	attrs := []any{"uid", uid, "want_uid", myUID()}
	if err != nil {
		attrs = append(attrs, "err", err)
	}
	if l.unlogged > 0 {
		attrs = append(attrs, "refused_since_last_line", l.unlogged)
	}
	l.log.Warn("refused a control connection from another user", attrs...)
	l.lastLogged, l.unlogged = now, 0
}
