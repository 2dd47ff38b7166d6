package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// ErrNoAgent means no agent listens on the socket.
var ErrNoAgent = errors.New("the ssokeeper agent is not running")

// Deadlines of a call to the agent. The agent sends a heartbeat (an HTTP
// 102, or a blank line in a sign-in stream) every heartbeatPeriod while
// it works, so silence for silenceLimit means it is stopped or wedged,
// however long the work itself may take (a refresh waits for the IdP).
var silenceLimit = 10 * time.Second // a var: tests shorten it

const (
	statusLimit = 15 * time.Second // status never waits for an IdP
	workLimit   = 2 * time.Minute  // a refresh takes at most 2 IdP timeouts
	loginExtra  = time.Minute      // on top of the sign-in's own timeout
	maxReply    = 4 << 20          // a status of hundreds of sessions fits
)

// StalledError means the agent took the connection but did not answer in
// time: it is stopped (SIGSTOP, a debugger) or wedged.
type StalledError struct {
	Socket string
	After  time.Duration
}

func (e *StalledError) Error() string {
	return fmt.Sprintf("the ssokeeper agent at %s did not answer within %s: it is stopped or hung; resume it (kill -CONT) or restart it (quit it, then run `ssokeeper`)", e.Socket, e.After)
}

// ForeignAgentError means the process serving the socket runs as another
// user: nothing it says is used.
type ForeignAgentError struct {
	Socket string
	UID    int
}

func (e *ForeignAgentError) Error() string {
	return fmt.Sprintf("refusing %s: the process serving it runs as uid %d, not as you (uid %d); another user may be posing as the ssokeeper agent", e.Socket, e.UID, myUID())
}

// Client talks to a running agent. It connects only to a socket this
// user owns, in a directory only this user can use, served by a process
// of this user (peer credentials).
// It is the agent's side of session.Sessions: a command holds one or a
// local manager alike.
type Client struct {
	hc    *http.Client
	socks []string

	mu   sync.Mutex
	used string // the socket of the last connection
}

// NewClient returns a client for the sockets at paths, tried in order: a
// missing socket, or one nobody listens on, moves on to the next.
func NewClient(paths ...string) *Client {
	c := &Client{socks: paths}
	tr := &http.Transport{
		DialContext:        func(ctx context.Context, _, _ string) (net.Conn, error) { return c.dial(ctx) },
		DisableCompression: true,
		MaxIdleConns:       1,
		MaxConnsPerHost:    16, // one process alone never fills the agent's 64
		IdleConnTimeout:    5 * time.Second,
	}
	c.hc = &http.Client{Transport: tr}
	return c
}

// Socket is the socket the client last connected to, else the first.
func (c *Client) Socket() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.used != "" {
		return c.used
	}
	if len(c.socks) > 0 {
		return c.socks[0]
	}
	return ""
}

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	for _, sock := range c.socks {
		conn, err := dialChecked(ctx, sock)
		if errors.Is(err, ErrNoAgent) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.used = sock
		c.mu.Unlock()
		return livenessConn{Conn: conn}, nil
	}
	return nil, ErrNoAgent
}

// dialChecked connects to sock after checking its directory and the
// socket itself, then checks who serves it.
func dialChecked(ctx context.Context, sock string) (net.Conn, error) {
	if err := paths.CheckDir(filepath.Dir(sock)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNoAgent
		}
		return nil, err
	}
	info, err := os.Lstat(sock)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, ErrNoAgent
	case err != nil:
		return nil, err
	case info.Mode().Type() != fs.ModeSocket:
		return nil, &paths.UnsafeError{Path: sock, Problem: "it is not a socket"}
	}
	if err := paths.CheckOwner(sock, info); err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, ErrNoAgent
		}
		return nil, err
	}
	if err := checkServer(conn, sock); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// checkServer refuses a connection served by another user.
func checkServer(conn net.Conn, sock string) error {
	uid, err := peerUID(conn)
	if err != nil {
		return fmt.Errorf("cannot tell who serves %s: %w", sock, err)
	}
	if uid != myUID() {
		return &ForeignAgentError{Socket: sock, UID: uid}
	}
	return nil
}

// livenessConn fails a read or write that waits silenceLimit: the agent
// sends heartbeats while it works, so silence means it stopped.
type livenessConn struct{ net.Conn }

func (c livenessConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(silenceLimit)) //nolint:errcheck
	return c.Conn.Read(p)
}

func (c livenessConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(silenceLimit)) //nolint:errcheck
	return c.Conn.Write(p)
}

// Status returns the agent's snapshot.
func (c *Client) Status(ctx context.Context) (session.Snapshot, error) {
	var snap session.Snapshot
	err := c.do(ctx, statusLimit, http.MethodGet, "/v1/status", &snap)
	return snap, err
}

var _ session.Sessions = (*Client)(nil)

// Refresh asks the agent to refresh a session now.
func (c *Client) Refresh(ctx context.Context, name string) error {
	var st session.Status
	return c.do(ctx, workLimit, http.MethodPost, "/v1/sessions/"+url.PathEscape(name)+"/refresh", &st)
}

// Logout asks the agent to sign a session out.
func (c *Client) Logout(ctx context.Context, name string) error {
	var st session.Status
	return c.do(ctx, workLimit, http.MethodPost, "/v1/sessions/"+url.PathEscape(name)+"/logout", &st)
}

// Token asks the agent for a token valid for at least minValid.
func (c *Client) Token(ctx context.Context, name string, minValid time.Duration) (session.Tokens, error) {
	var tok TokenReply
	q := url.Values{"min_valid": {minValid.String()}}
	err := c.do(ctx, workLimit, http.MethodGet, "/v1/sessions/"+url.PathEscape(name)+"/token?"+q.Encode(), &tok)
	return session.Tokens{AccessToken: tok.AccessToken, TokenType: tok.TokenType, Expiry: tok.ExpiresAt, IDToken: tok.IDToken}, err
}

// Login asks the agent to sign a session in. The agent streams what the
// person must see; req's callbacks show it here, in this terminal: the
// URL to open, the device code, that a pending sign-in was joined.
func (c *Client) Login(ctx context.Context, name string, req session.LoginRequest) error {
	_, err := c.login(ctx, name, req.Device, req.Timeout, func(ev LoginEvent) {
		switch {
		case ev.OpenURL != "" && req.OpenURL != nil:
			req.OpenURL(ev.OpenURL) //nolint:errcheck // the sign-in's outcome tells
		case ev.DeviceCode != nil && req.ShowDeviceCode != nil:
			req.ShowDeviceCode(*ev.DeviceCode)
		case ev.Joined && req.Joined != nil:
			req.Joined()
		}
	})
	return err
}

// login streams a sign-in; onEvent sees each event before the final one
// is returned.
func (c *Client) login(ctx context.Context, name string, device bool, timeout time.Duration, onEvent func(LoginEvent)) (LoginEvent, error) {
	q := url.Values{}
	if device {
		q.Set("device", "1")
	}
	if timeout > 0 {
		q.Set("timeout", timeout.String())
	} else {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+loginExtra)
	defer cancel()
	req, err := http.NewRequestWithContext(withHeartbeats(ctx), http.MethodPost,
		"http://agent/v1/sessions/"+url.PathEscape(name)+"/login?"+q.Encode(), nil)
	if err != nil {
		return LoginEvent{}, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return LoginEvent{}, c.callError(err, timeout+loginExtra)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxReply)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue // a heartbeat
		}
		var ev LoginEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return LoginEvent{}, fmt.Errorf("unreadable reply from the agent: %w", err)
		}
		if ev.Done {
			if ev.Error != nil {
				return ev, &RemoteError{Reply: *ev.Error}
			}
			return ev, nil
		}
		onEvent(ev)
	}
	if err := sc.Err(); err != nil {
		return LoginEvent{}, c.callError(err, timeout+loginExtra)
	}
	return LoginEvent{}, errors.New("the agent ended the sign-in without a result (did it stop?)")
}

// RemoteError is an error the agent reported.
type RemoteError struct{ Reply ErrorReply }

func (e *RemoteError) Error() string { return e.Reply.Error }

// Unwrap gives the session error kind the agent named (session.ErrNoBrowser
// …), so errors.Is reads a remote error as a local one.
func (e *RemoteError) Unwrap() error { return session.Kind(e.Reply.Kind) }

func (c *Client) do(ctx context.Context, limit time.Duration, method, path string, out any) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(withHeartbeats(ctx), method, "http://agent"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.callError(err, limit)
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, maxReply)
	if resp.StatusCode != http.StatusOK {
		var e ErrorReply
		if err := json.NewDecoder(body).Decode(&e); err != nil || e.Error == "" {
			return fmt.Errorf("the agent answered %s", resp.Status)
		}
		return &RemoteError{Reply: e}
	}
	if err := json.NewDecoder(body).Decode(out); err != nil {
		return c.callError(err, limit)
	}
	return nil
}

// withHeartbeats accepts any number of 102 heartbeats before the reply
// (net/http otherwise counts them against the header size limit).
func withHeartbeats(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		Got1xxResponse: func(int, textproto.MIMEHeader) error { return nil },
	})
}

// callError unwraps net/http's wrapping so the person reads our words.
func (c *Client) callError(err error, limit time.Duration) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, os.ErrDeadlineExceeded):
		return &StalledError{Socket: c.Socket(), After: limit}
	case errors.As(err, &ne) && ne.Timeout():
		return &StalledError{Socket: c.Socket(), After: silenceLimit}
	}
	return err
}
