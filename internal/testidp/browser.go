package testidp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Browse signs in like a person: it follows authURL, submits the login
// form as the test user, follows the redirect to the loopback callback and
// returns the callback page's body. A callback page with a 4xx/5xx status
// is returned with an error.
func (p *IdP) Browse(ctx context.Context, authURL string) (string, error) {
	return Browse(ctx, authURL, p.Username(), p.Password())
}

// Authorize is Browse without the last step: it returns the callback URL
// (with code and state, or error) that the IdP redirected to, unvisited.
func (p *IdP) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	return authorize(ctx, authURL, p.Username(), p.Password())
}

// ApproveDevice completes a device-flow user code as the test user.
func (p *IdP) ApproveDevice(ctx context.Context, userCode string) error {
	ui := &loginUI{store: p.store}
	if err := ui.approve(ctx, userCode); err != nil {
		return fmt.Errorf("test IdP: approve device code: %w", err)
	}
	return nil
}

// Browse is the fake browser without an *IdP: it signs in with user and
// password. Given a device verification URL it approves the code instead.
func Browse(ctx context.Context, authURL, user, password string) (string, error) {
	cb, body, err := signIn(ctx, authURL, user, password)
	if err != nil || cb == nil {
		return body, err
	}
	resp, err := get(ctx, http.DefaultClient, cb.String())
	if err != nil {
		return "", fmt.Errorf("fake browser: callback %s: %w", cb.Redacted(), err)
	}
	return readPage(resp)
}

func authorize(ctx context.Context, authURL, user, password string) (*url.URL, error) {
	cb, _, err := signIn(ctx, authURL, user, password)
	if err == nil && cb == nil {
		err = errors.New("fake browser: the IdP did not redirect to a callback")
	}
	return cb, err
}

// signIn walks the IdP's pages. It returns the off-IdP redirect target
// (the callback), or, for a device page, the final page body.
func signIn(ctx context.Context, authURL, user, password string) (*url.URL, string, error) {
	start, err := url.Parse(authURL)
	if err != nil {
		return nil, "", fmt.Errorf("fake browser: %w", err)
	}
	c := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != start.Host || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := get(ctx, c, authURL)
	for i := 0; err == nil && i < 5; i++ {
		if loc, _ := resp.Location(); loc != nil {
			resp.Body.Close()
			return loc, "", nil
		}
		page := resp.Request.URL
		form := url.Values{"username": {user}, "password": {password}}
		switch page.Path {
		case loginPath:
			if resp.Request.Method == http.MethodPost {
				body, err := readPage(resp) // the form again: sign-in refused
				return nil, body, errors.Join(err, errors.New("fake browser: the IdP refused the sign-in"))
			}
			form.Set("id", page.Query().Get("authRequestID"))
		case devicePath:
			form.Set("user_code", page.Query().Get("user_code"))
			if resp.Request.Method == http.MethodPost {
				body, err := readPage(resp)
				return nil, body, err
			}
		default:
			body, err := readPage(resp)
			if err == nil {
				err = fmt.Errorf("fake browser: unexpected page %s", page.Path)
			}
			return nil, body, err
		}
		resp.Body.Close()
		resp, err = post(ctx, c, page.ResolveReference(&url.URL{Path: page.Path}).String(), form)
	}
	if err != nil {
		return nil, "", fmt.Errorf("fake browser: %w", err)
	}
	resp.Body.Close()
	return nil, "", errors.New("fake browser: sign-in did not finish")
}

func get(ctx context.Context, c *http.Client, u string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return c.Do(req)
}

func post(ctx context.Context, c *http.Client, u string, form url.Values) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

func readPage(resp *http.Response) (string, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 400 {
		return string(b), fmt.Errorf("fake browser: %s answered %s", resp.Request.URL.Path, resp.Status)
	}
	return string(b), nil
}
