package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// lockPoll is how often Lock retries a lock another process holds.
const lockPoll = 50 * time.Millisecond

// Lock takes the lock of session name, shared by every process of this
// user, waiting until it is free or ctx ends. Only the holder may spend the
// session's refresh token. The lock is a separate file dir/locks/<name>.lock,
// never the data file (locking the data file breaks Windows).
func Lock(ctx context.Context, dir, name string) (unlock func(), err error) {
	return waitLock(ctx, filepath.Join(dir, "locks"), escapeName(name)+".lock", fmt.Sprintf("session %q", name))
}

// LockState takes the lock dir/state.lock that guards a read-modify-write
// of state.json across processes, waiting until it is free or ctx ends. It
// is apart from the session locks, so a session may be called "state".
func LockState(ctx context.Context, dir string) (unlock func(), err error) {
	return waitLock(ctx, dir, "state.lock", "the state file")
}

func waitLock(ctx context.Context, dir, file, what string) (func(), error) {
	fl, err := newLock(dir, file)
	if err != nil {
		return nil, err
	}
	ok, err := fl.TryLockContext(ctx, lockPoll)
	if err != nil && ctx.Err() != nil {
		return nil, fmt.Errorf("gave up waiting for the lock of %s (%s): another ssokeeper process holds it: %w",
			what, fl.Path(), err)
	}
	if err != nil || !ok {
		return nil, fmt.Errorf("could not lock %s (%s): %w", what, fl.Path(), err)
	}
	return release(fl), nil
}

// TryLock takes the lock of session name if it is free; ok is false when
// another holder has it.
func TryLock(dir, name string) (unlock func(), ok bool, err error) {
	return tryLock(filepath.Join(dir, "locks"), escapeName(name)+".lock")
}

// LockAgent takes the agent-wide lock dir/agent.lock; ok is false when an
// agent of this user already runs. It sits beside locks/ so that no session
// name can collide with it.
func LockAgent(dir string) (unlock func(), ok bool, err error) {
	return tryLock(dir, "agent.lock")
}

func tryLock(dir, file string) (func(), bool, error) {
	fl, err := newLock(dir, file)
	if err != nil {
		return nil, false, err
	}
	ok, err := fl.TryLock()
	if err != nil {
		return nil, false, fmt.Errorf("could not lock %s: %w", fl.Path(), err)
	}
	if !ok {
		return nil, false, nil
	}
	return release(fl), true, nil
}

func newLock(dir, file string) (*flock.Flock, error) {
	err := usable(dir, file)
	var unsafe *paths.UnsafeError
	if errors.As(err, &unsafe) {
		// Planted (a symlink, another user's file or folder): refuse,
		// rather than lock elsewhere and hide it.
		return nil, fmt.Errorf("could not lock: %w", err)
	}
	if err != nil {
		// A read-only or full disk, or a state folder that is not one:
		// lock in the runtime folder instead (every process of this user
		// meets the same failure, so they all meet there), rather than
		// refuse every refresh.
		fallback, ferr := fallbackDir(dir)
		if ferr != nil || usable(fallback, file) != nil {
			return nil, fmt.Errorf("could not create a lock file in %s: %w", dir, err)
		}
		dir = fallback
	}
	// Opened without following a symlink: a lock file is created 0600
	// only in a directory this user owns, and is nothing else.
	return flock.New(filepath.Join(dir, file), flock.SetPermissions(0o600),
		flock.SetFlag(os.O_CREATE|os.O_RDONLY|paths.NoFollow)), nil
}

// usable checks that dir/file can be opened as a lock file, creating both
// when missing: dir owner-only (paths.EnsureDir), the file not a symlink.
func usable(dir, file string) error {
	if err := paths.EnsureDir(dir); err != nil {
		return err
	}
	f, err := paths.OpenPrivate(filepath.Join(dir, file), os.O_CREATE|os.O_RDONLY)
	if err != nil {
		return err
	}
	return f.Close()
}

// fallbackDir is where the locks of dir go when dir cannot hold them: a
// folder of the runtime directory named after dir, owner-only.
func fallbackDir(dir string) (string, error) {
	run, err := paths.RuntimeDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(dir))
	fb := filepath.Join(run, "locks-fallback", hex.EncodeToString(sum[:8]))
	if err := paths.EnsureDir(fb); err != nil {
		return "", err
	}
	return fb, nil
}

// release returns an unlock func that is safe to call more than once. The
// lock file stays: removing it would race with a process about to lock it.
func release(fl *flock.Flock) func() {
	var once sync.Once
	return func() { once.Do(func() { fl.Unlock() }) }
}

// escapeName makes a session name a safe file name: letters, digits, '-'
// and '_' stay, every other byte becomes %XX, so distinct names never share
// a lock and no name can climb out of the directory.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
