package notify

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// maxDetail is the longest IdP detail a notification quotes; longer ones
// (stack-trace-like Entra replies) belong in `ssokeeper status`.
const maxDetail = 160

// failureText is the body of a failure notification: what happened, what
// to do, and the identity provider's own words when they are short.
func failureText(st session.Status) string {
	info := health.Describe(st.Reason)
	msg, fix := st.Message, st.Fix
	if msg == "" {
		msg = info.Message
	}
	if fix == "" {
		fix = info.Fix
	}
	text := msg + "\n" + fix
	if d := shortDetail(st.Detail); d != "" {
		text += "\n" + health.DetailIntro(st.Reason) + d
	}
	return text
}

// opaque matches long runs of token-like characters: JWTs, opaque tokens,
// codes. Details are token-free by contract; this keeps it so even when an
// IdP echoes something back.
var opaque = regexp.MustCompile(`[A-Za-z0-9_\-.~+/=]{32,}`)

// shortDetail returns d on one line with token-like runs removed, or ""
// when it is too long to read in a notification.
func shortDetail(d string) string {
	d = strings.Join(strings.Fields(d), " ")
	d = opaque.ReplaceAllString(d, "[…]")
	if len([]rune(d)) > maxDetail {
		return ""
	}
	return d
}

// listNames lists session names for a title, shortening long lists.
func listNames(names []string) string {
	const most = 4
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// isWebURL reports whether s is an http(s) URL, the only kind the Open
// action hands to the browser.
func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
