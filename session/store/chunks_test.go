package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/zalando/go-keyring"
)

// flakyBackend is the real keyring, except that the Nth Set (or Delete)
// fails, as a keyring that locks or a D-Bus call that times out half-way
// through a chunked write would.
type flakyBackend struct {
	mu               sync.Mutex
	failSet, failDel int // 1-based; 0: never
	sets, dels       int
	real             goKeyring
}

var errInjected = errors.New("injected keyring failure")

func (f *flakyBackend) Get(s, u string) (string, error) { return f.real.Get(s, u) }

func (f *flakyBackend) Set(s, u, v string) error {
	f.mu.Lock()
	f.sets++
	fail := f.sets == f.failSet
	f.mu.Unlock()
	if fail {
		return errInjected
	}
	return f.real.Set(s, u, v)
}

func (f *flakyBackend) Delete(s, u string) error {
	f.mu.Lock()
	f.dels++
	fail := f.dels == f.failDel
	f.mu.Unlock()
	if fail {
		return errInjected
	}
	return f.real.Delete(s, u)
}

// TestChunkedWriteFailingPartWayKeepsOldValue fails every single keyring
// write of a replacement in turn, on the real Secret Service, and checks
// that what reads back is the old value whole (or, once the index was
// switched, the new one) and never a splice of the two.
func TestChunkedWriteFailingPartWayKeepsOldValue(t *testing.T) {
	needSecretService(t)
	name := testSession(t)
	for _, tc := range []struct{ old, new string }{
		{token(5000), token(7000)}, // chunked → chunked, more parts
		{token(7000), token(3000)}, // chunked → chunked, fewer parts
		{"short-" + token(30), token(4500)},
		{token(4500), "short-" + token(30)},
	} {
		for n := 1; ; n++ {
			clean := newKeyring(goKeyring{}, 0)
			if err := clean.Set(name, RefreshToken, tc.old); err != nil {
				t.Fatal(err)
			}
			fb := &flakyBackend{failSet: n}
			err := newKeyring(fb, 0).Set(name, RefreshToken, tc.new)
			got, gerr := clean.Get(name, RefreshToken)
			if gerr != nil {
				t.Fatalf("%d→%d bytes, Set %d failing: the value no longer reads: %v", len(tc.old), len(tc.new), n, gerr)
			}
			if err == nil {
				if got != tc.new {
					t.Fatalf("%d→%d bytes: a Set that succeeded reads back %d other bytes", len(tc.old), len(tc.new), len(got))
				}
				if n == 1 {
					t.Fatal("the injected failure never happened")
				}
				break // n passed the number of writes: every one was tried
			}
			if got != tc.old {
				t.Fatalf("%d→%d bytes, Set %d of the replacement failing: read back %d bytes that are not the old value (a splice?)",
					len(tc.old), len(tc.new), n, len(got))
			}
			// The next write (the retry) works and leaves nothing behind.
			if err := clean.Set(name, RefreshToken, tc.new); err != nil {
				t.Fatal(err)
			}
			if got, _ := clean.Get(name, RefreshToken); got != tc.new {
				t.Fatalf("the retry after a failed write reads back %d bytes, want the new value", len(got))
			}
			assertOnlyCurrentParts(t, name+"/"+RefreshToken)
			clean.Delete(name, RefreshToken)
		}
	}
	// A failed delete of an old part after the switch leaves the new value.
	clean := newKeyring(goKeyring{}, 0)
	old, next := token(5000), token(5000)
	clean.Set(name, RefreshToken, old)
	err := newKeyring(&flakyBackend{failDel: 2}, 0).Set(name, RefreshToken, next)
	if got, _ := clean.Get(name, RefreshToken); got != next {
		t.Fatalf("after a failed clean-up (%v) the value reads %d bytes, want the new value", err, len(got))
	}
	clean.Set(name, RefreshToken, "short")
	assertOnlyCurrentParts(t, name+"/"+RefreshToken)
}

// assertOnlyCurrentParts checks that the keyring holds no part beyond
// those the index of user counts (a stale part is a secret left behind).
func assertOnlyCurrentParts(t *testing.T, user string) {
	t.Helper()
	head, err := keyring.Get(Service, user)
	if err != nil {
		t.Fatal(err)
	}
	ix, _ := parseHeader(head)
	for gen := 0; gen <= ix.gen+2; gen++ {
		for i := 1; i <= 6; i++ {
			if gen == ix.gen && i <= ix.n {
				continue
			}
			if gen == 0 && ix.n == 0 && i == 0 {
				continue
			}
			if _, err := keyring.Get(Service, partName(user, gen, i)); err == nil {
				t.Errorf("stale part %s left in the keyring (index %q)", partName(user, gen, i), head)
			}
		}
	}
}

// TestChunksOldFormatStillReads reads a value an earlier version wrote
// (index "ssokeeper-chunks:N", parts user#1…N), then replaces it.
func TestChunksOldFormatStillReads(t *testing.T) {
	needSecretService(t)
	name := testSession(t)
	user := name + "/" + RefreshToken
	value := token(4100)
	parts := split(value)
	for i, p := range parts {
		if err := keyring.Set(Service, fmt.Sprintf("%s#%d", user, i+1), p); err != nil {
			t.Fatal(err)
		}
	}
	keyring.Set(Service, user, fmt.Sprintf("ssokeeper-chunks:%d", len(parts)))
	s := newKeyring(goKeyring{}, 0)
	if got, err := s.Get(name, RefreshToken); err != nil || got != value {
		t.Fatalf("old-format value: got %d bytes, %v; want %d", len(got), err, len(value))
	}
	next := token(4100)
	if err := s.Set(name, RefreshToken, next); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(name, RefreshToken); got != next {
		t.Fatal("replacing an old-format value did not read back")
	}
	if head, _ := keyring.Get(Service, user); !strings.HasSuffix(head, "/1") {
		t.Errorf("index after replacing an old-format value: %q, want generation 1", head)
	}
	assertOnlyCurrentParts(t, user)
}
