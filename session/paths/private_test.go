//go:build linux

package paths_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssokeeper/ssokeeper/internal/testuser"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Mode().Perm()
}

func wantUnsafe(t *testing.T, err error, path, problem string) {
	t.Helper()
	var unsafe *paths.UnsafeError
	if !errors.As(err, &unsafe) || unsafe.Path != path || !strings.Contains(unsafe.Problem, problem) {
		t.Fatalf("got %v; want %s refused: %q", err, path, problem)
	}
}

func TestEnsureDir(t *testing.T) {
	base := t.TempDir()

	dir := filepath.Join(base, "a", "b")
	if err := paths.EnsureDir(dir); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, dir); m != 0o700 {
		t.Errorf("new directory mode %04o, want 0700", m)
	}

	// Ours but open to others: tightened by EnsureDir, refused by CheckDir.
	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o755) //nolint:errcheck
	os.Chmod(open, 0o755) //nolint:errcheck
	wantUnsafe(t, paths.CheckDir(open), open, "0755")
	if err := paths.EnsureDir(open); err != nil || mode(t, open) != 0o700 {
		t.Errorf("EnsureDir of our own 0755 directory: %v, mode %04o; want it made 0700", err, mode(t, open))
	}

	// A symlink, even to a private directory of ours, is refused by both.
	link := filepath.Join(base, "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	wantUnsafe(t, paths.EnsureDir(link), link, "symbolic link")
	wantUnsafe(t, paths.CheckDir(link), link, "symbolic link")

	// Missing: CheckDir says so plainly.
	if err := paths.CheckDir(filepath.Join(base, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("CheckDir of a missing directory: %v", err)
	}
}

// TestEnsureDirRefusesAnotherUsersDirectory: a directory a real second
// user created (0700, so no mode problem) is refused, not taken over.
func TestEnsureDirRefusesAnotherUsersDirectory(t *testing.T) {
	u := testuser.Create(t)
	base, err := os.MkdirTemp("", "skp") // like /tmp: everyone may create in it
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o1777) //nolint:errcheck
	theirs := filepath.Join(base, "theirs")
	if out, err := u.Exec("mkdir", "-m", "0700", theirs).CombinedOutput(); err != nil {
		t.Fatalf("mkdir as %s: %v\n%s", u.Name, err, out)
	}
	wantUnsafe(t, paths.EnsureDir(theirs), theirs, "owned by uid")
	wantUnsafe(t, paths.CheckDir(theirs), theirs, "owned by uid")
	if m := mode(t, theirs); m != 0o700 {
		t.Errorf("the other user's directory was changed: %04o", m)
	}
}

func TestOpenPrivate(t *testing.T) {
	dir := t.TempDir()

	f, err := paths.OpenPrivate(filepath.Join(dir, "log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if m := mode(t, filepath.Join(dir, "log")); m != 0o600 {
		t.Errorf("new file mode %04o, want 0600", m)
	}

	// A symlink planted at the path is not followed: the target is
	// neither created nor written.
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "planted")
	os.Symlink(target, link) //nolint:errcheck
	_, err = paths.OpenPrivate(link, os.O_CREATE|os.O_WRONLY|os.O_APPEND)
	wantUnsafe(t, err, link, "symbolic link")
	if _, err := os.Lstat(target); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the symlink's target was created: %v", err)
	}

	// A file of ours open to others is tightened.
	loose := filepath.Join(dir, "loose")
	os.WriteFile(loose, []byte("x"), 0o644) //nolint:errcheck
	if f, err := paths.OpenPrivate(loose, os.O_RDONLY); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	if m := mode(t, loose); m != 0o600 {
		t.Errorf("mode after OpenPrivate %04o, want 0600", m)
	}

	// ReadPrivate reads at most what it is told.
	big := filepath.Join(dir, "big")
	os.WriteFile(big, make([]byte, 2048), 0o600) //nolint:errcheck
	if _, err := paths.ReadPrivate(big, 1024); err == nil {
		t.Error("ReadPrivate read past its bound")
	}
	if data, err := paths.ReadPrivate(big, 4096); err != nil || len(data) != 2048 {
		t.Errorf("ReadPrivate: %d bytes, %v", len(data), err)
	}
}

func TestOpenPrivateRefusesAnotherUsersFile(t *testing.T) {
	u := testuser.Create(t)
	dir := t.TempDir()
	theirs := filepath.Join(dir, "state.json")
	os.WriteFile(theirs, []byte("{}"), 0o600) //nolint:errcheck
	if err := os.Chown(theirs, u.UID, u.GID); err != nil {
		t.Fatal(err)
	}
	_, err := paths.ReadPrivate(theirs, 1<<20)
	wantUnsafe(t, err, theirs, "owned by uid")
}
