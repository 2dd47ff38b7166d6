package awssso

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

type boundKeyring struct {
	m    *store.Memory
	name string
}

func (k boundKeyring) Get(key string) (string, error) { return k.m.Get(k.name, key) }
func (k boundKeyring) Set(key, v string) error        { return k.m.Set(k.name, key, v) }
func (k boundKeyring) Delete(key string) error        { return k.m.Delete(k.name, key) }

func keyringFixture(t *testing.T, mem *store.Memory) *fixture {
	t.Helper()
	f := newFixture(t)
	p, err := New(testSession(), Options{HTTPClient: f.srv.Client(), Now: f.clk.Now, CacheDir: f.cacheDir,
		Endpoint: f.srv.URL, RegistrationDir: f.regDir, Keyring: boundKeyring{mem, "aws-prod"}})
	if err != nil {
		t.Fatal(err)
	}
	f.p = p
	return f
}

// ssokeeper's own copy of the client registration (with its client
// secret) lives in the keyring; a copy an older version left in a state
// file moves there and the file goes.
func TestRegistrationLivesInTheKeyring(t *testing.T) {
	mem := store.NewMemory()
	f := keyringFixture(t, mem)
	s := f.srv.NewSession()
	// What an older ssokeeper left: the registration in a state file.
	legacy := &Provider{s: testSession(), regPath: f.p.regPath}
	if err := legacy.saveRegistration(&registration{ClientID: s.ClientID, ClientSecret: s.ClientSecret,
		ExpiresAt: s.RegistrationExpiresAt.UTC().Format(timeFormat)}); err != nil {
		t.Fatal(err)
	}
	f.seed(t, s, nil)
	if err := os.Remove(f.p.CacheFile()); err != nil { // the AWS CLI's copy is gone
		t.Fatal(err)
	}
	if _, err := f.p.Refresh(context.Background(), s.RefreshToken); err != nil {
		t.Fatalf("refresh with the registration from the old state file: %v", err)
	}
	if _, err := os.Stat(f.p.regPath); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the state file with the client secret is still there (%v)", err)
	}
	if v, err := mem.Get("aws-prod", registrationKey); err != nil || !strings.Contains(v, s.ClientSecret) {
		t.Errorf("keyring entry %s: %v", registrationKey, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(f.p.regPath))
	if len(entries) != 0 {
		t.Errorf("files left in the registration folder: %v", entries)
	}
	// A fresh provider (an agent restart) finds it there.
	f2 := keyringFixture(t, mem)
	if got := f2.p.loadRegistration(); got == nil || got.ClientID != s.ClientID {
		t.Errorf("after a restart the registration is %+v", got)
	}
}

// A keyring that cannot be read makes a refresh fail transiently: the
// refresh token is kept, never discarded as if no client were known.
func TestRegistrationKeyringLockedKeepsTheRefreshToken(t *testing.T) {
	mem := store.NewMemory()
	f := keyringFixture(t, mem)
	s := f.srv.NewSession()
	other := s
	other.RefreshToken = "a-token-of-another-client"
	f.seed(t, other, nil) // the file's registration belongs to another token
	mem.SetFailure(errors.New("org.freedesktop.secrets: the keyring is locked"))
	_, err := f.p.Refresh(context.Background(), s.RefreshToken)
	d := health.Classify(err)
	if d.Reason != health.KeyringUnavailable || d.RefreshTokenDead() {
		t.Fatalf("got %+v (%v), want a transient keyring_unavailable", d, err)
	}
	if n := f.srv.Count("/token", ""); n != 0 {
		t.Errorf("%d token requests with a guessed client, want none", n)
	}
}
