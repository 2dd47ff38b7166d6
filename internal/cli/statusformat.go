package cli

import (
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/ssokeeper/ssokeeper/session"
)

// statusView is what a `status --format` template sees: every field of
// the session's JSON (under its Go name: .State, .Reason, .SessionExpiresAt
// …) plus the time left as short durations.
type statusView struct {
	session.Status
	// AccessLeft and SessionLeft are how long the access token and the
	// session have left ("7h42m", "12m", "40s", "0s" once past); empty
	// when unknown, so {{with .SessionLeft}}…{{end}} shows nothing then.
	AccessLeft, SessionLeft string
}

func parseStatusFormat(text string) (*template.Template, error) {
	// Prompts want one line; \n and \t are written as escapes in most shells.
	text = strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(text)
	return template.New("status").Option("missingkey=error").Parse(text)
}

// printStatusFormat runs tmpl once per session, each followed by a newline
// unless the template ends with one.
func printStatusFormat(w io.Writer, tmpl *template.Template, sessions []session.Status, now time.Time) error {
	for _, st := range sessions {
		var b strings.Builder
		v := statusView{Status: st, AccessLeft: shortLeft(st.AccessExpiresAt, now), SessionLeft: shortLeft(st.SessionExpiresAt, now)}
		if err := tmpl.Execute(&b, v); err != nil {
			return fmt.Errorf("--format: %w", err)
		}
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		io.WriteString(w, b.String()) //nolint:errcheck
	}
	return nil
}

// shortLeft says how long until t in at most two units: "2d3h", "7h42m",
// "12m", "40s"; "0s" once t is past; "" when t is unknown.
func shortLeft(t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return twoUnits(int(d/time.Hour), "h", int(d%time.Hour/time.Minute), "m")
	default:
		return twoUnits(int(d/(24*time.Hour)), "d", int(d%(24*time.Hour)/time.Hour), "h")
	}
}

func twoUnits(a int, ua string, b int, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
}
