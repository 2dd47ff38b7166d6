package health

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

func TestSecretSetScrubsExactValuesInEveryEncoding(t *testing.T) {
	var s SecretSet
	secret := "ab+c/d=efgh" // base64 characters change when URL-encoded
	s.Add("work", secret, "", "xyz")
	for _, text := range []string{"got " + secret, "token=" + url.QueryEscape(secret), `{"t":"ab+c\/d=efgh"}`} {
		if got := s.Scrub(text); strings.Contains(got, "efgh") || !strings.Contains(got, "[redacted]") {
			t.Errorf("Scrub(%q) = %q", text, got)
		}
	}
	if got := s.Scrub("xyz stays"); got != "xyz stays" {
		t.Errorf("a value shorter than %d characters was scrubbed: %q", minSecret, got)
	}
}

// An agent that refreshes for months remembers a bounded number of values
// per session, and always the newest.
func TestSecretSetIsBounded(t *testing.T) {
	var s SecretSet
	for i := range 1000 {
		s.Add("work", fmt.Sprintf("access-token-%04d", i))
	}
	vals := s.Values()
	if len(vals) != keepPerOwner {
		t.Fatalf("%d values remembered, want %d", len(vals), keepPerOwner)
	}
	if got := s.Scrub("access-token-0999 and access-token-0984"); strings.Contains(got, "access-token") {
		t.Errorf("the newest values are not scrubbed: %q", got)
	}
}

// ScrubError cleans the RetrieveError in place, so every later reader
// (Classify, %v, the log) sees clean text.
func TestScrubErrorCleansTheReply(t *testing.T) {
	code := "0123456789abcdef"
	re := &oauth2.RetrieveError{ErrorCode: "invalid_grant", ErrorDescription: "code " + code + " reused",
		Body: []byte(`{"error":"invalid_grant","error_description":"code ` + code + ` reused"}`)}
	err := ScrubError(fmt.Errorf("session %q: %w", "work", re), code)
	if strings.Contains(err.Error(), code) || strings.Contains(re.ErrorDescription, code) || strings.Contains(string(re.Body), code) {
		t.Errorf("the code survived: %v / %q / %s", err, re.ErrorDescription, re.Body)
	}
	var got *oauth2.RetrieveError
	if !errors.As(err, &got) || got.ErrorCode != "invalid_grant" {
		t.Errorf("the reply is no longer reachable through the error: %v", err)
	}
	if ScrubError(nil) != nil {
		t.Error("ScrubError(nil) is not nil")
	}
}

// BenchmarkScrub is the cost the log handler pays per string attribute
// with 8 sessions' worth of remembered secrets.
func BenchmarkScrub(b *testing.B) {
	var s SecretSet
	for i := range 8 * keepPerOwner {
		s.Add(fmt.Sprint("session-", i%8), fmt.Sprintf("eyJhbGciOi.token-%06d/with+chars=", i))
	}
	line := `refresh failed session=work reason=idp_error detail="HTTP 503 Service Unavailable: maintenance until 10:00"`
	b.ReportAllocs()
	for b.Loop() {
		s.Scrub(line)
	}
}
