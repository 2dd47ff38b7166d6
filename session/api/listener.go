package api

import (
	"log/slog"
	"net"
)

// peerCheckListener closes connections from other users before the HTTP
// server sees them: the socket's mode is the first guard, this the second.
type peerCheckListener struct{ net.Listener }

func (l peerCheckListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uid, err := peerUID(c)
		if err == nil && uid == myUID() {
			return c, nil
		}
		slog.Warn("refused a control connection from another user", "uid", uid, "err", err)
		c.Close()
	}
}
