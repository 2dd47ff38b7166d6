//go:build unix

package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestFilesDoNotFollowSymlinks: a symlink planted where a lock or the
// state file goes is not followed (its target is neither created nor
// read), and what ssokeeper creates is 0600 in 0700 directories.
func TestFilesDoNotFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	elsewhere := t.TempDir()

	// Created files and directories are owner-only.
	unlock, err := Lock(context.Background(), dir, "work")
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	for path, want := range map[string]os.FileMode{
		filepath.Join(dir, "locks"):              0o700,
		filepath.Join(dir, "locks", "work.lock"): 0o600,
	} {
		if info, err := os.Lstat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v, %v; want mode %04o", path, info.Mode(), err, want)
		}
	}
	if err := SaveState(filepath.Join(dir, "state.json"), NewState()); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Lstat(filepath.Join(dir, "state.json")); info.Mode().Perm() != 0o600 {
		t.Errorf("state.json mode %04o", info.Mode().Perm())
	}

	// A lock file that is a symlink: the lock fails, the target is not made.
	target := filepath.Join(elsewhere, "made-by-the-lock")
	os.Symlink(target, filepath.Join(dir, "locks", "home.lock")) //nolint:errcheck
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Lock(ctx, dir, "home"); err == nil {
		t.Error("locked through a symlink")
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock created the symlink's target: %v", err)
	}

	// A state file that is a symlink is not read (and LoadState still
	// gives an empty state to carry on with).
	secret := filepath.Join(elsewhere, "secret.json")
	os.WriteFile(secret, []byte(`{"version":1,"sessions":{"planted":{}}}`), 0o600) //nolint:errcheck
	planted := filepath.Join(dir, "planted-state.json")
	os.Symlink(secret, planted) //nolint:errcheck
	st, err := LoadState(planted)
	if err == nil || len(st.Sessions) != 0 {
		t.Errorf("LoadState through a symlink: %+v, %v; want an error and an empty state", st, err)
	}
}
