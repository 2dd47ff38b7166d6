//go:build unix

package logging

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenDoesNotFollowSymlinks: a symlink planted at the log's path is
// not followed; a new log is 0600 in a 0700 directory.
func TestOpenDoesNotFollowSymlinks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	_, c, err := Open(filepath.Join(dir, FileName), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, FileName): 0o600} {
		if info, err := os.Lstat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: %v; want mode %04o", path, err, want)
		}
	}

	target := filepath.Join(t.TempDir(), "not-a-log")
	planted := filepath.Join(dir, "planted.log")
	os.Symlink(target, planted) //nolint:errcheck
	if _, _, err := Open(planted, false, nil); err == nil {
		t.Error("opened the log through a symlink")
	}
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}
}
