package api

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Bounds of the local API: a client, however slow, idle or many, cannot
// keep `status` or `token` from answering.
const (
	maxConns        = 64               // open connections; the oldest idle one makes room
	maxHeaderBytes  = 16 << 10         // requests are one line and a few headers
	maxBodyBytes    = 4 << 10          // no endpoint takes a body
	headerTimeout   = 5 * time.Second  // to send the request's headers
	readTimeout     = 10 * time.Second // to send a whole request
	idleTimeout     = 10 * time.Second // between requests on a kept-alive connection
	writeTimeout    = 10 * time.Second // for the caller to take each part of a reply
	maxLoginTimeout = 30 * time.Minute // however long a caller asks a sign-in to wait
)

// heartbeatPeriod spaces the proofs of life while a request waits (the
// client gives up after silenceLimit); a var: tests shorten it.
var heartbeatPeriod = 2 * time.Second

// limitListener caps open connections. At the cap, Accept closes the
// oldest connection that runs no request — idle between requests, or
// without a complete request newGrace after it connected and nothing
// unread (a legitimate caller sends its request at once) — to make room. When none can go it waits: running
// requests are bounded in time, and newcomers wait in the kernel's queue
// rather than being turned away.
type limitListener struct {
	net.Listener
	max int

	mu     sync.Mutex
	conns  map[net.Conn]connEntry
	freed  chan struct{} // closed and replaced when a connection ends
	closed bool
}

// newGrace is how long a new connection may take to send its request
// before, at the cap, it may be closed to make room.
const newGrace = 250 * time.Millisecond

type connEntry struct {
	state http.ConnState
	since time.Time
}

func newLimitListener(ln net.Listener, max int) *limitListener {
	return &limitListener{Listener: ln, max: max, conns: map[net.Conn]connEntry{}, freed: make(chan struct{})}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, net.ErrClosed
		}
		if len(l.conns) < l.max || l.evictLocked(time.Now()) {
			l.mu.Unlock()
			break
		}
		freed := l.freed
		l.mu.Unlock()
		select {
		case <-freed:
		case <-time.After(newGrace / 2):
		}
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[c] = connEntry{state: http.StateNew, since: time.Now()}
	l.mu.Unlock()
	return c, nil
}

func (l *limitListener) Close() error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.freed)
	}
	l.mu.Unlock()
	return l.Listener.Close()
}

// track is the http.Server's ConnState hook.
func (l *limitListener) track(c net.Conn, s http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return
	}
	switch s {
	case http.StateActive, http.StateIdle:
		l.conns[c] = connEntry{state: s, since: time.Now()}
	case http.StateNew:
		e.state = s
		l.conns[c] = e
	case http.StateHijacked, http.StateClosed:
		delete(l.conns, c)
		if !l.closed {
			close(l.freed)
			l.freed = make(chan struct{})
		}
	}
}

func (l *limitListener) evictLocked(now time.Time) bool {
	var oldest net.Conn
	var at time.Time
	for c, e := range l.conns {
		idle := e.state == http.StateIdle ||
			e.state == http.StateNew && now.Sub(e.since) >= newGrace && pendingBytes(c) == 0
		if idle && (oldest == nil || e.since.Before(at)) {
			oldest, at = c, e.since
		}
	}
	if oldest == nil {
		return false
	}
	oldest.Close()
	delete(l.conns, oldest)
	return true
}

// bounded wraps every handler: it refuses a request body, lifts the read
// deadline once the request is in (so the caller hanging up is still
// seen, without cancelling a long refresh), and sends heartbeats until
// the reply starts.
func bounded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxBodyBytes || r.ContentLength < 0 {
			w.Header().Set("Connection", "close")
			writeJSON(w, http.StatusRequestEntityTooLarge, ErrorReply{Error: "request bodies are not accepted", Code: CodeBadRequest})
			return
		}
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{}) //nolint:errcheck
		hw := &heartbeatWriter{w: w, rc: rc, header: http.Header{}}
		stop := make(chan struct{})
		defer close(stop)
		go hw.beat(stop)
		next.ServeHTTP(hw, r)
	})
}

// heartbeatWriter sends "102 Processing" every heartbeatPeriod until the
// handler starts its reply. The handler's headers are kept apart until
// then, since the heartbeat goroutine writes the real ones.
type heartbeatWriter struct {
	w      http.ResponseWriter
	rc     *http.ResponseController
	header http.Header

	mu      sync.Mutex
	started bool
}

func (h *heartbeatWriter) beat(stop <-chan struct{}) {
	t := time.NewTicker(heartbeatPeriod)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		h.mu.Lock()
		if h.started {
			h.mu.Unlock()
			return
		}
		h.rc.SetWriteDeadline(time.Now().Add(writeTimeout)) //nolint:errcheck
		h.w.WriteHeader(http.StatusProcessing)
		h.mu.Unlock()
	}
}

func (h *heartbeatWriter) Header() http.Header { return h.header }

func (h *heartbeatWriter) WriteHeader(code int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.startLocked(code)
}

func (h *heartbeatWriter) startLocked(code int) {
	if h.started {
		return
	}
	h.started = true
	for k, v := range h.header {
		h.w.Header()[k] = v
	}
	h.rc.SetWriteDeadline(time.Now().Add(writeTimeout)) //nolint:errcheck
	h.w.WriteHeader(code)
}

func (h *heartbeatWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	h.startLocked(http.StatusOK)
	h.mu.Unlock()
	return h.w.Write(p)
}

// Flush and Unwrap let the login stream flush and set its own deadlines.
func (h *heartbeatWriter) Flush() {
	h.mu.Lock()
	h.startLocked(http.StatusOK)
	h.mu.Unlock()
	h.rc.Flush() //nolint:errcheck
}

func (h *heartbeatWriter) Unwrap() http.ResponseWriter { return h.w }
