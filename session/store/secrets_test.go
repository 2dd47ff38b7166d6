package store

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
)

// needSecretService skips the test when no Secret Service answers on the
// session bus, or fails it when the harness promised one
// (SSOKEEPER_REQUIRE_DBUS=1). It never lets godbus auto-launch a bus.
func needSecretService(t *testing.T) Secrets {
	t.Helper()
	missing := func(why string) { testkit.Missing(t, why) }
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is empty)")
	}
	s := NewKeyring(5 * time.Second)
	if _, err := s.Get("ssokeeper-test-probe", "probe"); !errors.Is(err, ErrNotFound) {
		missing(fmt.Sprintf("the Secret Service does not work: %v", err))
	}
	return s
}

// testSession is a session name no other test (or earlier run) uses.
func testSession(t *testing.T) string {
	name := fmt.Sprintf("test-%s-%d", t.Name(), rand.Uint64())
	t.Cleanup(func() {
		NewKeyring(5*time.Second).Delete(name, "refresh_token")
	})
	return name
}

func token(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b)
}

func TestKeyringSetGetDelete(t *testing.T) {
	s := needSecretService(t)
	name := testSession(t)

	if _, err := s.Get(name, "refresh_token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of an absent secret: got %v, want ErrNotFound", err)
	}
	rt := token(300)
	if err := s.Set(name, "refresh_token", rt); err != nil {
		t.Fatal(err)
	}
	// The entry is where other tools (secret-tool, Seahorse) find it.
	if v, err := keyring.Get(Service, name+"/refresh_token"); err != nil || v != rt {
		t.Fatalf("keyring entry %s/refresh_token: got %d bytes, %v", name, len(v), err)
	}
	if got, err := s.Get(name, "refresh_token"); err != nil || got != rt {
		t.Fatalf("Get after Set: got %d bytes, %v; want the value set", len(got), err)
	}
	if err := s.Set(name, "refresh_token", "rotated"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(name, "refresh_token"); got != "rotated" {
		t.Fatalf("Get after a second Set: got %q, want %q", got, "rotated")
	}
	if err := s.Delete(name, "refresh_token"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(name, "refresh_token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: got %v, want ErrNotFound", err)
	}
	if err := s.Delete(name, "refresh_token"); err != nil {
		t.Fatalf("Delete of an absent secret: %v, want nil", err)
	}
}

func TestKeyringChunksLongValues(t *testing.T) {
	s := needSecretService(t)
	name := testSession(t)
	user := name + "/refresh_token"
	gen := 0 // the generation of the parts entry reads
	entry := func(i int) (string, error) {
		if i == 0 {
			return keyring.Get(Service, user)
		}
		return keyring.Get(Service, partName(user, gen, i))
	}

	long := token(7000)
	if err := s.Set(name, "refresh_token", long); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(name, "refresh_token"); err != nil || got != long {
		t.Fatalf("Get of a 7,000-byte value: got %d bytes, %v", len(got), err)
	}
	if head, _ := entry(0); head != "ssokeeper-chunks:4/1" {
		t.Errorf("main entry = %q, want the index ssokeeper-chunks:4/1", head)
	}
	gen = 1
	for i := 1; i <= 4; i++ {
		part, err := entry(i)
		if err != nil || len(part) > chunkSize || part != long[(i-1)*chunkSize:min(i*chunkSize, len(long))] {
			t.Errorf("part %d: %d bytes, %v", i, len(part), err)
		}
	}

	// Shrinking to two parts writes generation 2 and removes every part
	// of generation 1.
	medium := token(3000)
	if err := s.Set(name, "refresh_token", medium); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(name, "refresh_token"); err != nil || got != medium {
		t.Fatalf("Get after shrinking: got %d bytes, %v", len(got), err)
	}
	for i := 1; i <= 4; i++ {
		if _, err := entry(i); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("stale part %d of generation 1 still there after shrinking (%v)", i, err)
		}
	}
	gen = 2

	// A short value replaces the header and leaves no part.
	if err := s.Set(name, "refresh_token", "short"); err != nil {
		t.Fatal(err)
	}
	if head, _ := entry(0); head != "short" {
		t.Errorf("main entry = %q, want the value itself", head)
	}
	if _, err := entry(1); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("part 1 still there after a short Set (%v)", err)
	}

	// Delete removes every part.
	if err := s.Set(name, "refresh_token", long); err != nil {
		t.Fatal(err)
	}
	gen = 1 // after a plain value, chunks start again at generation 1
	if err := s.Delete(name, "refresh_token"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 4; i++ {
		if _, err := entry(i); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("entry %d still there after Delete (%v)", i, err)
		}
	}
}

// mapBackend is an in-memory keyring backend with go-keyring's errors.
type mapBackend struct {
	mu sync.Mutex
	m  map[string]string
}

func (b *mapBackend) Get(s, u string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	v, ok := b.m[s+"|"+u]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (b *mapBackend) Set(s, u, v string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[string]string{}
	}
	b.m[s+"|"+u] = v
	return nil
}

func (b *mapBackend) Delete(s, u string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.m[s+"|"+u]; !ok {
		return keyring.ErrNotFound
	}
	delete(b.m, s+"|"+u)
	return nil
}

func TestChunksEdgeCases(t *testing.T) {
	b := &mapBackend{}
	s := newKeyring(b, time.Second)
	for _, v := range []string{
		"",
		"ssokeeper-chunks:2",               // looks like a header
		strings.Repeat("é", 1500),          // 3,000 bytes of 2-byte runes
		strings.Repeat("a", 1999) + "€abc", // a rune across the 2,000-byte edge
		token(2000),
		token(2001),
	} {
		if err := s.Set("work", "id_token", v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Get("work", "id_token"); err != nil || got != v {
			t.Errorf("round trip of %.20q… (%d bytes): got %.20q… (%d bytes), %v", v, len(v), got, len(got), err)
		}
		for user, part := range b.m {
			if len(part) > chunkSize || !utf8Valid(part) {
				t.Errorf("entry %s: %d bytes, valid UTF-8 %v", user, len(part), utf8Valid(part))
			}
		}
	}

	// A header whose parts are gone reads as missing: the user signs in again.
	s.Set("work", "id_token", "plain")
	s.Set("work", "id_token", token(5000)) // generation 1
	b.Delete(Service, partName("work/id_token", 1, 2))
	if _, err := s.Get("work", "id_token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get with a part missing: %v, want ErrNotFound", err)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

// stuckBackend never answers until release is closed, like a Secret Service
// waiting on an unlock prompt nobody sees.
type stuckBackend struct {
	mapBackend
	release chan struct{}
}

func (b *stuckBackend) Get(s, u string) (string, error) {
	<-b.release
	return b.mapBackend.Get(s, u)
}

func TestKeyringTimeout(t *testing.T) {
	b := &stuckBackend{release: make(chan struct{})}
	const timeout = 100 * time.Millisecond
	s := newKeyring(b, timeout)

	call := func(f func() error) (error, time.Duration) {
		start := time.Now()
		errc := make(chan error, 1)
		go func() { errc <- f() }()
		select {
		case err := <-errc:
			return err, time.Since(start)
		case <-time.After(10 * time.Second):
			t.Fatal("the keyring call did not give up")
			return nil, 0
		}
	}
	secret := "s3cr3t-" + token(40)

	err, took := call(func() error { _, err := s.Get("work", "refresh_token"); return err })
	if !errors.Is(err, ErrUnavailable) || took < timeout {
		t.Fatalf("stuck Get: %v after %s; want ErrUnavailable after %s", err, took, timeout)
	}
	for _, want := range []string{`"work"`, "refresh_token", "did not answer", "Unlock the keyring"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	// The first call is still stuck: a Set now waits its turn, gives up in
	// time too, and its error holds no secret.
	err, _ = call(func() error { return s.Set("work", "refresh_token", secret) })
	if !errors.Is(err, ErrUnavailable) || strings.Contains(err.Error(), secret) {
		t.Fatalf("Set behind a stuck call: %v; want ErrUnavailable without the secret", err)
	}

	// Once the keyring answers again, calls work.
	close(b.release)
	s.timeout = 10 * time.Second
	if _, err := s.Get("work", "refresh_token"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after the keyring answered: %v, want ErrNotFound", err)
	}
}

func TestKeyringErrorIsUnavailable(t *testing.T) {
	s := newKeyring(failingBackend{errors.New("org.freedesktop.DBus.Error.ServiceUnknown")}, time.Second)
	err := s.Set("work", "client_secret", "hunter2")
	if !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
		t.Fatalf("Set on a failing keyring: %v; want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "ServiceUnknown") {
		t.Errorf("error %q should name the cause and hide the secret", err)
	}
}

type failingBackend struct{ err error }

func (f failingBackend) Get(string, string) (string, error) { return "", f.err }
func (f failingBackend) Set(string, string, string) error   { return f.err }
func (f failingBackend) Delete(string, string) error        { return f.err }

func TestKeyringWithoutSessionBus(t *testing.T) {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		t.Skip("no D-Bus here")
	}
	if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
		t.Skip("this machine has a session bus at the standard place")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	_, err := NewKeyring(time.Second).Get("work", "refresh_token")
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "no D-Bus session bus") {
		t.Fatalf("Get without a session bus: %v; want ErrUnavailable naming the missing bus", err)
	}
}
