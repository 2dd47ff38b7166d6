package health

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// FuzzClassifyReply feeds the error-reply parser whatever an IdP (or a
// proxy pretending to be one) may send. The diagnosis must be described,
// one line of bounded length, and never hold the secret the reply quotes.
func FuzzClassifyReply(f *testing.F) {
	const secret = "9f86d081884c7d659a2feaa0"
	f.Add(400, "application/json", "", []byte(`{"error":"invalid_grant","error_description":"token `+secret+` expired"}`))
	f.Add(400, "application/json", "InvalidGrantException:http://internal.amazon.com/", []byte(`{"error":"invalid_grant"}`))
	f.Add(401, "application/json", "", []byte(`{"error":{"code":1},"error_description":"AADSTS700082: expired"}`))
	f.Add(503, "text/html", "", []byte(`<html><title>`+secret+`</title></html>`))
	f.Add(429, "text/plain", "", []byte("error=slow_down&error_description="+secret))
	f.Add(200, "", "", []byte{})
	f.Add(302, "application/json", "", []byte("\xff\xfe\n\t"+secret))
	f.Fuzz(func(t *testing.T, status int, ctype, awsType string, body []byte) {
		code, desc := parseErrorJSON(body)
		re := &oauth2.RetrieveError{
			Response: &http.Response{StatusCode: status, Header: http.Header{
				"Content-Type": {ctype}, "X-Amzn-Errortype": {awsType}, "Retry-After": {ctype}}},
			Body: body, ErrorCode: code, ErrorDescription: desc,
		}
		d := Classify(re, secret)
		if d.Reason == "" {
			t.Fatal("no reason")
		}
		if info := Describe(d.Reason); info.Title == "" || info.Fix == "" {
			t.Fatalf("reason %q is not described", d.Reason)
		}
		if utf8.RuneCountInString(d.Detail) > maxDetail || strings.ContainsAny(d.Detail, "\r\n") {
			t.Fatalf("detail %q is not one bounded line", d.Detail)
		}
		if strings.Contains(d.Detail, secret) || strings.Contains(string(re.Body), secret) {
			t.Fatalf("the secret survived: detail %q", d.Detail)
		}
		if d.RetryAfter < 0 || d.RetryAfter > 24*60*60*1e9 {
			t.Fatalf("retry after %v", d.RetryAfter)
		}
	})
}

// FuzzScrub: whatever surrounds them, the remembered secrets never survive
// the log handler's one-pass scrubbing.
func FuzzScrub(f *testing.F) {
	secrets := []string{"9f86d081884c7d659a2feaa0", "9f86d081", "ab+c/d=efgh"}
	var s SecretSet
	s.Add("work", secrets...)
	f.Add("token 9f86d081884c7d659a2feaa0 and 9f86d081 end")
	f.Add("9f86d0819f86d081884c7d659a2feaa0ab%2Bc%2Fd%3Defgh")
	f.Fuzz(func(t *testing.T, text string) {
		got := s.Scrub(text)
		for _, sec := range secrets {
			if strings.Contains(got, sec) && !strings.Contains(text, "[redacted]") {
				t.Fatalf("Scrub(%q) = %q keeps %q", text, got, sec)
			}
		}
	})
}
