package awssso

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/idpclient"
)

// FuzzTokenReply: the SSO OIDC token-reply parser never fails over an odd
// expiresIn (the reply may carry a rotated refresh token), and what it
// reads gives a lifetime the scheduler can live with.
func FuzzTokenReply(f *testing.F) {
	for _, s := range []string{
		`{"accessToken":"a","tokenType":"Bearer","expiresIn":3600,"refreshToken":"r"}`,
		`{"accessToken":"a","expiresIn":"3600"}`,
		`{"accessToken":"a","expiresIn":"later","refreshToken":"r"}`,
		`{"accessToken":"a","expiresIn":-7}`,
		`{"accessToken":"a","expiresIn":1e400}`,
		`{"accessToken":1}`, `[]`, `nul`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r tokenReply
		err := decodeReply(data, &r)
		if err != nil && strings.Contains(err.Error(), string(data)) && len(data) > 8 {
			t.Fatalf("the error quotes the reply: %v", err)
		}
		if l := idpclient.Lifetime(int64(r.ExpiresIn)); l <= 0 || l > idpclient.MaxLifetime {
			t.Fatalf("lifetime %v", l)
		}
		var d deviceReply
		_ = decodeReply(data, &d)
	})
}

// FuzzReplyError: the SSO OIDC error-reply parser, then Classify, keep a
// quoted refresh token out of the diagnosis whatever the reply looks like.
func FuzzReplyError(f *testing.F) {
	const secret = "aorAAAAAGlXq3ZbY8nV2cT4k"
	f.Add(400, "InvalidGrantException:http://internal.amazon.com/", []byte(`{"error":"invalid_grant","error_description":"`+secret+`"}`))
	f.Add(400, "", []byte(`{"message":"Invalid refresh token `+secret+`"}`))
	f.Add(500, "InternalServerException", []byte(`oops`))
	f.Fuzz(func(t *testing.T, status int, kind string, data []byte) {
		resp := &http.Response{StatusCode: status, Header: http.Header{"X-Amzn-Errortype": {kind}}}
		re := replyError(resp, data)
		d := health.Classify(re, secret)
		if strings.Contains(d.Detail, secret) || d.Reason == "" {
			t.Fatalf("diagnosis %+v", d)
		}
		if d.RetryAfter > 24*time.Hour {
			t.Fatalf("retry after %v", d.RetryAfter)
		}
	})
}
