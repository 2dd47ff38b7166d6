package cli

import (
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/words"
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
		v := statusView{Status: st, AccessLeft: words.Compact(st.AccessExpiresAt, now), SessionLeft: words.Compact(st.SessionExpiresAt, now)}
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
