// Scrubbing the exact secret values of the sessions from every text that
// leaves the process, whatever their length or shape: a 24-character hex
// refresh token looks like a word to the pattern-based Redact.

package health

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"

	"golang.org/x/oauth2"
)

// minSecret is the shortest value scrubbed: shorter ones cannot be told
// from words (replacing "ab" everywhere would garble every message) and
// are worthless as credentials anyway.
const minSecret = 4

// keepPerOwner bounds the values remembered per owner: the current and
// previous refresh, access and ID tokens, the client secret and the codes
// of a sign-in fit with room to spare, and an agent that runs for months
// does not grow.
const keepPerOwner = 16

// SecretSet is the set of secret values whose exact text must never leave
// the process. Values are kept per owner (a session name), newest last.
type SecretSet struct {
	mu     sync.RWMutex
	owners map[string][]string
	forms  *matcher // every value in every encoding; nil: recompute
}

// Known is the process's set: the manager registers every token it holds,
// providers register codes and client secrets, and Classify, ScrubError and
// the log handler remove them all.
var Known = &SecretSet{}

// Add remembers values under owner; empty and short values are ignored.
func (s *SecretSet) Add(owner string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.owners == nil {
		s.owners = map[string][]string{}
	}
	list := s.owners[owner]
	for _, v := range values {
		if len(v) < minSecret || (len(list) > 0 && list[len(list)-1] == v) {
			continue
		}
		if i := slices.Index(list, v); i >= 0 {
			list = slices.Delete(list, i, i+1)
		}
		list = append(list, v)
		s.forms = nil
	}
	if len(list) > keepPerOwner {
		list = slices.Clone(list[len(list)-keepPerOwner:])
	}
	s.owners[owner] = list
}

// Values is every value remembered.
func (s *SecretSet) Values() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var all []string
	for _, list := range s.owners {
		all = append(all, list...)
	}
	return all
}

// Scrub replaces every remembered value in text, in every encoding.
func (s *SecretSet) Scrub(text string) string {
	s.mu.RLock()
	forms := s.forms
	s.mu.RUnlock()
	if forms == nil {
		forms = newMatcher(encodings(s.Values()))
		s.mu.Lock()
		s.forms = forms
		s.mu.Unlock()
	}
	return forms.replace(text)
}

// scrubExact replaces each secret in text, also as it looks URL-encoded or
// JSON-escaped (an IdP may echo a form field or quote it in JSON).
func scrubExact(text string, secrets []string) string {
	return replaceAll(text, encodings(secrets))
}

// encodings lists each secret as sent and as an IdP may echo it:
// URL-encoded, JSON-escaped, with "/" escaped (PHP and others); longest
// first, so a value that contains another is replaced whole.
func encodings(secrets []string) []string {
	var forms []string
	for _, v := range secrets {
		if len(v) < minSecret {
			continue
		}
		forms = append(forms, v, url.QueryEscape(v))
		if j, err := json.Marshal(v); err == nil {
			e := string(j[1 : len(j)-1])
			forms = append(forms, e, strings.ReplaceAll(e, "/", `\/`))
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(forms)
}

func replaceAll(text string, forms []string) string {
	for _, f := range forms {
		text = strings.ReplaceAll(text, f, "[redacted]")
	}
	return text
}

// matcher finds many secrets in one pass: candidates are looked up by
// their first minSecret bytes, so the log handler's cost grows with the
// text, not with the number of secrets.
type matcher struct {
	byPrefix map[string][]string // longest first within a prefix
}

func newMatcher(forms []string) *matcher {
	m := &matcher{byPrefix: map[string][]string{}}
	for _, f := range forms { // already longest first
		k := f[:minSecret]
		m.byPrefix[k] = append(m.byPrefix[k], f)
	}
	return m
}

func (m *matcher) replace(text string) string {
	if len(m.byPrefix) == 0 {
		return text
	}
	var b strings.Builder
	done := 0 // text[:done] is in b
	for i := 0; i+minSecret <= len(text); {
		hit := ""
		for _, f := range m.byPrefix[text[i:i+minSecret]] {
			if strings.HasPrefix(text[i:], f) {
				hit = f
				break
			}
		}
		if hit == "" {
			i++
			continue
		}
		b.WriteString(text[done:i])
		b.WriteString("[redacted]")
		i += len(hit)
		done = i
	}
	if done == 0 {
		return text
	}
	b.WriteString(text[done:])
	return b.String()
}

// ScrubError removes the known secrets and the given ones from err: from
// the fields of every *oauth2.RetrieveError in its chain (in place, so
// Classify and anything else reading them later sees clean text) and from
// its message. This is where an IdP's words enter ssokeeper's errors.
func ScrubError(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	all := append(Known.Values(), secrets...)
	scrubReplies(err, all)
	return &scrubbed{err: err, secrets: all}
}

// scrubReplies cleans every RetrieveError in err's chain (joined errors
// included).
func scrubReplies(err error, secrets []string) {
	for err != nil {
		if re, ok := err.(*oauth2.RetrieveError); ok {
			re.Body = []byte(scrubExact(string(re.Body), secrets))
			re.ErrorCode = scrubExact(re.ErrorCode, secrets)
			re.ErrorDescription = scrubExact(re.ErrorDescription, secrets)
			re.ErrorURI = scrubExact(re.ErrorURI, secrets)
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				scrubReplies(e, secrets)
			}
			return
		}
		err = errors.Unwrap(err)
	}
}

// scrubbed is an error whose message is scrubbed when read, so a secret
// in a wrapped error added later (a flattened %v) is caught too.
type scrubbed struct {
	err     error
	secrets []string
}

func (e *scrubbed) Error() string { return scrubExact(e.err.Error(), e.secrets) }
func (e *scrubbed) Unwrap() error { return e.err }
