package toolcreds

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/ssokeeper/ssokeeper/session/config"
)

// GitRequest is what git tells a credential helper (gitcredentials(7)):
// key=value lines ending with a blank line or the end of input.
type GitRequest struct {
	Protocol string // "https", "http", ...
	Host     string // host name, with ":port" when not the default
	Path     string // only with credential.useHttpPath
	Username string // from the URL (https://user@host/...), if any
}

// maxGitInput bounds what a helper reads: git sends a few short lines
// (plus WWW-Authenticate headers in newer versions).
const maxGitInput = 1 << 20

// ReadGitRequest reads one request. Keys it does not know (capability[],
// wwwauth[], password, ...) are skipped, as git itself does.
func ReadGitRequest(r io.Reader) (GitRequest, error) {
	var req GitRequest
	sc := bufio.NewScanner(io.LimitReader(r, maxGitInput))
	sc.Buffer(make([]byte, 0, 4096), maxGitInput)
	for sc.Scan() {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			break
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return GitRequest{}, errors.New("a line of the request has no '=': `ssokeeper git-credential` is meant to be run by git (credential.helper)")
		}
		switch key {
		case "protocol":
			req.Protocol = strings.ToLower(value)
		case "host":
			req.Host = strings.ToLower(value)
		case "path":
			req.Path = value
		case "username":
			req.Username = value
		}
	}
	if err := sc.Err(); err != nil {
		return GitRequest{}, fmt.Errorf("reading git's request: %w", err)
	}
	return req, nil
}

// MatchGitHost returns the first session (in file order) whose hosts list
// has the request's host. Only https is served, and http to a loopback
// host (a local test server or port forward): a token never crosses a
// network in clear text.
func MatchGitHost(req GitRequest, sessions []config.Session) (config.Session, bool) {
	if req.Host == "" {
		return config.Session{}, false
	}
	switch req.Protocol {
	case "https":
	case "http":
		if !IsLoopback(req.Host) {
			return config.Session{}, false
		}
	default:
		return config.Session{}, false
	}
	for _, s := range sessions {
		for _, h := range s.Hosts {
			if strings.EqualFold(h, req.Host) {
				return s, true
			}
		}
	}
	return config.Session{}, false
}

// IsLoopback reports whether host (with an optional port) is this machine:
// localhost or a loopback IP address.
func IsLoopback(host string) bool {
	h := host
	if hp, _, err := net.SplitHostPort(host); err == nil {
		h = hp
	}
	h = strings.Trim(h, "[]")
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// DefaultGitUsername is the user name sent with the token. GitLab takes
// "oauth2" with an OAuth access token, Gitea and Forgejo take any user name
// with one, Bitbucket wants "x-token-auth" (write it into the remote URL:
// https://x-token-auth@bitbucket.org/...).
const DefaultGitUsername = "oauth2"

// GitUsername is the user name to answer: the one in the remote URL when
// there is one, else DefaultGitUsername.
func GitUsername(req GitRequest) string {
	if req.Username != "" {
		return req.Username
	}
	return DefaultGitUsername
}

// WriteGitCredential answers git's get with a user name and a token as the
// password. A known expiry is sent as password_expiry_utc (git 2.41+), so a
// caching helper drops the token when it expires; older git ignores it.
func WriteGitCredential(w io.Writer, username, token string, expiry time.Time) error {
	if strings.ContainsAny(username+token, "\r\n\x00") {
		return errors.New("the user name or token contains a line break; refusing to send it to git")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "username=%s\npassword=%s\n", username, token)
	if !expiry.IsZero() {
		fmt.Fprintf(&b, "password_expiry_utc=%d\n", expiry.Unix())
	}
	_, err := io.WriteString(w, b.String())
	return err
}
