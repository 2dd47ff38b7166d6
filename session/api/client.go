package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
)

// ErrNoAgent means no agent listens on the socket.
var ErrNoAgent = errors.New("the ssokeeper agent is not running")

// Client talks to a running agent. It is the agent's side of
// session.Sessions: a command holds one or a local manager alike.
type Client struct {
	hc *http.Client
}

// NewClient returns a client for the socket at path.
func NewClient(path string) *Client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		DisableCompression: true,
	}
	return &Client{hc: &http.Client{Transport: tr}}
}

// Status returns the agent's snapshot.
func (c *Client) Status(ctx context.Context) (session.Snapshot, error) {
	var snap session.Snapshot
	err := c.do(ctx, http.MethodGet, "/v1/status", &snap)
	return snap, err
}

var _ session.Sessions = (*Client)(nil)

// Refresh asks the agent to refresh a session now.
func (c *Client) Refresh(ctx context.Context, name string) error {
	var st session.Status
	return c.do(ctx, http.MethodPost, "/v1/sessions/"+url.PathEscape(name)+"/refresh", &st)
}

// Logout asks the agent to sign a session out.
func (c *Client) Logout(ctx context.Context, name string) error {
	var st session.Status
	return c.do(ctx, http.MethodPost, "/v1/sessions/"+url.PathEscape(name)+"/logout", &st)
}

// Token asks the agent for a token valid for at least minValid.
func (c *Client) Token(ctx context.Context, name string, minValid time.Duration) (session.Tokens, error) {
	var tok TokenReply
	q := url.Values{"min_valid": {minValid.String()}}
	err := c.do(ctx, http.MethodGet, "/v1/sessions/"+url.PathEscape(name)+"/token?"+q.Encode(), &tok)
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
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		"http://agent/v1/sessions/"+url.PathEscape(name)+"/login?"+q.Encode(), nil)
	if err != nil {
		return LoginEvent{}, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return LoginEvent{}, dialError(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
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
		return LoginEvent{}, err
	}
	return LoginEvent{}, errors.New("the agent ended the sign-in without a result (did it stop?)")
}

// RemoteError is an error the agent reported.
type RemoteError struct{ Reply ErrorReply }

func (e *RemoteError) Error() string { return e.Reply.Error }

// Unwrap gives the session error kind the agent named (session.ErrNoBrowser
// …), so errors.Is reads a remote error as a local one.
func (e *RemoteError) Unwrap() error { return session.Kind(e.Reply.Kind) }

func (c *Client) do(ctx context.Context, method, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://agent"+path, nil)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return dialError(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e ErrorReply
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Error == "" {
			return fmt.Errorf("the agent answered %s", resp.Status)
		}
		return &RemoteError{Reply: e}
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func dialError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
			return ErrNoAgent
		}
	}
	return err
}
