// Keeping tokens out of the words shown to people.

package health

import (
	"regexp"
	"strings"
	"unicode"
)

// Redact removes the given secrets and the Known ones, and anything that
// looks like a JWT or a long opaque token, from text meant for a person or
// a log.
func Redact(text string, secrets ...string) string {
	text = scrubExact(text, append(Known.Values(), secrets...))
	return tokenRun.ReplaceAllStringFunc(text, func(run string) string {
		if looksLikeToken(run) {
			return "[redacted]"
		}
		return run
	})
}

var (
	tokenRun = regexp.MustCompile(`[A-Za-z0-9._~+/=-]{20,}`)
	uuid     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	queries  = regexp.MustCompile(`\?[^\s"']*`)
)

// looksLikeToken keeps words, URLs, timestamps and UUIDs (Entra's trace
// and correlation IDs help IT) and catches base64, base64url and hex runs.
func looksLikeToken(run string) bool {
	if strings.HasPrefix(run, "eyJ") { // a JWT's base64url header
		return true
	}
	if uuid.MatchString(run) {
		return false
	}
	var digit, upper, lower bool
	for _, r := range run {
		digit = digit || unicode.IsDigit(r)
		upper = upper || unicode.IsUpper(r)
		lower = lower || unicode.IsLower(r)
	}
	if digit && upper && lower {
		return true
	}
	return len(run) >= 32 && digit && (upper || lower) && !strings.ContainsAny(run, "./")
}

func stripQueries(s string) string { return queries.ReplaceAllString(s, "?…") }

// clean makes a Detail: one line, no tokens, at most maxDetail runes.
func clean(s string) string {
	s = Redact(scrubProxyCredentials(strings.Join(strings.Fields(s), " ")))
	if r := []rune(s); len(r) > maxDetail {
		s = strings.TrimSpace(string(r[:maxDetail-1])) + "…"
	}
	return s
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
