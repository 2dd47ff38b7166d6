package idpclient

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A body of exactly MaxReply bytes reads whole; one byte more fails with
// ErrTooLarge instead of being cut quietly.
func TestReplyCap(t *testing.T) {
	var size int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, strings.Repeat("x", size))
	}))
	t.Cleanup(srv.Close)
	for _, c := range []*http.Client{ForSecrets(nil), ForDiscovery(srv.Client()), ForSecrets(ForDiscovery(nil))} {
		for n, wantErr := range map[int]error{MaxReply: nil, MaxReply + 1: ErrTooLarge, 10: nil} {
			size = n
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !errors.Is(err, wantErr) || (wantErr == nil && len(body) != n) {
				t.Errorf("%d bytes: read %d, err %v, want %v", n, len(body), err, wantErr)
			}
		}
	}
}

func TestRedirectTargetLosesItsQuery(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://user:pw@other.example/token?code=leak#frag", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	_, err := ForSecrets(nil).Post(srv.URL, "text/plain", strings.NewReader("refresh_token=x"))
	var re *RedirectError
	if !errors.As(err, &re) || re.Location != "https://other.example/token" || re.Status != http.StatusTemporaryRedirect {
		t.Fatalf("err = %v (%+v)", err, re)
	}
	if strings.Contains(re.Detail(), "leak") || strings.Contains(re.Detail(), "pw") {
		t.Errorf("detail %q names the query or the password", re.Detail())
	}
}
