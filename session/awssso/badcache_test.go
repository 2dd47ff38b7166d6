package awssso

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session/health"
)

// TestRefreshRepairsBadCacheFile: a cache file that is garbage, empty, a
// symlink or another start URL's does not block the session. The refresh
// uses ssokeeper's own copy of the registration and the refresh token it
// is given (the keyring's), and writes a valid file in its place.
func TestRefreshRepairsBadCacheFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  func(t *testing.T, f *fixture) // leaves the bad file
	}{
		{"garbage", func(t *testing.T, f *fixture) { f.writeRaw(t, []byte("\x00\x01garbage{{")) }},
		{"empty", func(t *testing.T, f *fixture) { f.writeRaw(t, nil) }},
		{"truncated", func(t *testing.T, f *fixture) {
			f.writeRaw(t, []byte(`{"startUrl": "https://d-1234567890.awsapps.com/start", "acc`))
		}},
		{"symlink", func(t *testing.T, f *fixture) {
			target := filepath.Join(t.TempDir(), "elsewhere.json")
			os.WriteFile(target, []byte(`{"keep":"me"}`), 0o644)
			os.Remove(f.p.CacheFile())
			if err := os.Symlink(target, f.p.CacheFile()); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if got, _ := os.ReadFile(target); string(got) != `{"keep":"me"}` {
					t.Error("the symlink's target was written through")
				}
			})
		}},
		{"another start URL", func(t *testing.T, f *fixture) {
			other := f.srv.NewSession()
			f.writeRaw(t, other.CacheJSON("https://d-0000000000.awsapps.com/start", "us-east-1", start))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			s := f.srv.NewSession()
			f.seed(t, s, nil)
			if _, err := f.p.Import(); err != nil { // keeps our copy of the registration
				t.Fatal(err)
			}
			tc.bad(t, f)
			old := time.Now().Add(-time.Minute) // not being written: it has been like this
			os.Chtimes(f.p.CacheFile(), old, old)
			if tc.name == "another start URL" {
				if _, err := f.p.Import(); err == nil {
					t.Fatal("Import adopted another start URL's tokens")
				}
			}

			tok, err := f.p.Refresh(context.Background(), s.RefreshToken)
			if err != nil {
				t.Fatalf("refresh over a bad cache file: %v", err)
			}
			info, err := os.Lstat(f.p.CacheFile())
			if err != nil || !info.Mode().IsRegular() || info.Mode().Perm() != 0o600 {
				t.Fatalf("cache file after repair: %v, %v; want a regular 0600 file", info.Mode(), err)
			}
			m := f.file(t)
			if str(t, m, "accessToken") != tok.AccessToken || str(t, m, "startUrl") != testSession().StartURL ||
				str(t, m, "refreshToken") != s.RefreshToken || str(t, m, "clientId") != s.ClientID {
				t.Error("the repaired file does not hold this session's tokens and client")
			}
			if got, err := f.p.Import(); err != nil || got.AccessToken != tok.AccessToken {
				t.Errorf("the repaired file does not import: %v", err)
			}
		})
	}
}

// TestBadCacheWithNothingToRefreshNeedsSignIn: with no registration of its
// own and a bad file, ssokeeper cannot refresh: it says sign in, it does not
// retry forever.
func TestBadCacheWithNothingToRefreshNeedsSignIn(t *testing.T) {
	f := newFixture(t)
	f.writeRaw(t, []byte("garbage"))
	old := time.Now().Add(-time.Minute)
	os.Chtimes(f.p.CacheFile(), old, old)
	_, err := f.p.Refresh(context.Background(), "a-refresh-token")
	d := health.Classify(err)
	if err == nil || d.Transient || health.Describe(d.Reason).State != health.NeedsLogin {
		t.Fatalf("refresh = %v, classified %+v; want needs_login, not a retry", err, d)
	}
	if health.Describe(d.Reason).Fix == "" {
		t.Error("needs_login without a fix")
	}
	if n := f.srv.Count("/token", ""); n != 0 {
		t.Errorf("%d token requests with no client to use", n)
	}
}
