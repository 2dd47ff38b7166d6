package ssooidctest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The error shapes are what clients parse: status, x-amzn-ErrorType and
// an OAuth-style JSON body, as in the SSO OIDC service model.
func TestErrorShapes(t *testing.T) {
	s := New()
	defer s.Close()
	sess := s.NewSession()
	s.ExpireSessions()
	for _, tc := range []struct {
		path, body string
		status     int
		exception  string
		code       string
	}{
		{"/token", `{"grantType":"refresh_token","clientId":"nope","clientSecret":"x","refreshToken":"r"}`, 401, "InvalidClientException", "invalid_client"},
		{"/token", `{"grantType":"refresh_token","clientId":"` + sess.ClientID + `","clientSecret":"` + sess.ClientSecret + `","refreshToken":"` + sess.RefreshToken + `"}`, 400, "InvalidGrantException", "invalid_grant"},
		{"/token", `{"grantType":"password","clientId":"` + sess.ClientID + `","clientSecret":"` + sess.ClientSecret + `"}`, 400, "UnsupportedGrantTypeException", "unsupported_grant_type"},
		{"/client/register", `{"clientName":"x","clientType":"confidential"}`, 400, "InvalidRequestException", "invalid_request"},
		{"/client/register", `not json`, 400, "InvalidRequestException", "invalid_request"},
	} {
		resp, err := http.Post(s.URL+tc.path, "application/json", strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("x-amzn-ErrorType") != tc.exception || body.Error != tc.code || body.ErrorDescription == "" {
			t.Errorf("%s %s: %d %q %+v, want %d %s %s", tc.path, tc.body, resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"), body, tc.status, tc.exception, tc.code)
		}
	}
	s.FailNext(1)
	resp, err := http.Post(s.URL+"/client/register", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || resp.Header.Get("x-amzn-ErrorType") != "InternalServerException" {
		t.Errorf("FailNext: %d %q", resp.StatusCode, resp.Header.Get("x-amzn-ErrorType"))
	}
}
