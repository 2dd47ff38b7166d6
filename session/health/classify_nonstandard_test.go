package health

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Replies that break RFC 6749 section 5.2 in ways testdata/ does not
// show on its own: each is a definite answer or a transient one, never an
// unknown that loops.
func TestClassifyNonStandardShapes(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
		want              Reason
		transient         bool
		detail            string
	}{
		{"error object", "application/json", `{"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}}`,
			401, IdPRefused, false, "HTTP 401 Unauthorized: UNAUTHENTICATED Request had invalid authentication credentials."},
		{"bare message", "application/json", `{"message":"Forbidden"}`, 403, IdPRefused, false, "HTTP 403 Forbidden: Forbidden"},
		{"JSON served as text/plain", "text/plain", `{"error":"invalid_grant","error_description":"Token is not active"}`,
			400, RefreshTokenExpired, false, "invalid_grant: Token is not active"},
		{"form-encoded at 400", "application/x-www-form-urlencoded", "error=invalid_grant&error_description=Refresh+token+revoked",
			400, RefreshTokenRevoked, false, "invalid_grant: Refresh token revoked"},
		{"unknown code at 400", "application/json", `{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}`,
			400, IdPRefused, false, "use_dpop_nonce: Authorization server requires nonce"},
		{"server_error at 400", "application/json", `{"error":"server_error"}`, 400, IdPError, true, "server_error"},
		{"temporarily_unavailable at 400", "application/json", `{"error":"temporarily_unavailable"}`, 400, IdPError, true, "temporarily_unavailable"},
		{"password expired", "application/json", `{"error":"invalid_grant","error_description":"Your password has expired"}`,
			400, PasswordExpired, false, "password has expired"},
		{"account locked", "application/json", `{"error":"access_denied","error_description":"The user account is locked"}`,
			403, AccountDisabled, false, "account is locked"},
		{"plain text at 400", "text/plain", "Bad Request", 400, IdPError, true, "HTTP 400 Bad Request: Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			d := Classify(refresh(t, nil, srv.URL, "rt"))
			if d.Reason != tt.want || d.Transient != tt.transient || !strings.Contains(d.Detail, tt.detail) {
				t.Errorf("got %q transient %v detail %q, want %q transient %v detail containing %q",
					d.Reason, d.Transient, d.Detail, tt.want, tt.transient, tt.detail)
			}
		})
	}
}

// An unknown refusal keeps the refresh token and retries slowly; account
// and password causes are definite and need a sign-in.
func TestRefusalKeepsTheToken(t *testing.T) {
	if d := (Diagnosis{Reason: IdPRefused}); d.RefreshTokenDead() || !RetriesSlowly(d.Reason) || Describe(d.Reason).State != NeedsLogin {
		t.Errorf("idp_refused: dead %v, slow %v, state %s", d.RefreshTokenDead(), RetriesSlowly(d.Reason), Describe(d.Reason).State)
	}
	for _, r := range []Reason{AccountDisabled, PasswordExpired} {
		info := Describe(r)
		if !(Diagnosis{Reason: r}).RefreshTokenDead() || RetriesSlowly(r) || !strings.Contains(info.Message, "account") {
			t.Errorf("%s: want a dead token, no slow retry and a message naming the account: %+v", r, info)
		}
	}
}
