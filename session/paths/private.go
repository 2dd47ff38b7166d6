package paths

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// UnsafeError says why ssokeeper refuses a file or directory: another
// user owns it, it is a symlink, or others may write or read it. Another
// user could plant or read what ssokeeper keeps there.
type UnsafeError struct {
	Path    string
	Problem string // "owned by uid 1001, not by you (uid 1000)"
}

func (e *UnsafeError) Error() string {
	return fmt.Sprintf("refusing %s: %s", e.Path, e.Problem)
}

// EnsureDir creates dir (and missing parents) owner-only, then checks it
// with lstat: a real directory, owned by this user, with no group or other
// bits. A directory this user owns with looser bits is tightened to 0700;
// anything else is an *UnsafeError.
func EnsureDir(dir string) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	// Mkdir, not MkdirAll: MkdirAll follows a symlink planted at dir.
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	err := CheckDir(dir)
	var unsafe *UnsafeError
	if errors.As(err, &unsafe) && ownedDirWithLooseMode(dir) {
		if err := os.Chmod(dir, 0o700); err != nil {
			return err
		}
		return CheckDir(dir)
	}
	return err
}

// CheckDir checks an existing dir without changing it: a real directory
// (not a symlink), owned by this user, no group or other permission bits.
// It returns the lstat error (fs.ErrNotExist) when dir is missing.
func CheckDir(dir string) error {
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return &UnsafeError{dir, "it is a symbolic link, not a directory"}
	case !info.IsDir():
		return &UnsafeError{dir, "it is not a directory"}
	}
	if p := foreignOwner(info); p != "" {
		return &UnsafeError{dir, p}
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 && modeBitsMatter {
		return &UnsafeError{dir, fmt.Sprintf("its mode is %04o: other users may use it (want 0700)", perm)}
	}
	return nil
}

// CheckOwner refuses path, described by info (from lstat), unless this
// user owns it.
func CheckOwner(path string, info fs.FileInfo) error {
	if p := foreignOwner(info); p != "" {
		return &UnsafeError{path, p}
	}
	return nil
}

// CheckFile checks an opened file: a regular file owned by this user.
// Opened with NoFollow, it cannot be a symlink.
func CheckFile(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return &UnsafeError{f.Name(), "it is not a regular file"}
	}
	if p := foreignOwner(info); p != "" {
		return &UnsafeError{f.Name(), p}
	}
	return nil
}

// OpenPrivate opens (creating 0600) a file for ssokeeper's own use
// without following a symlink at path, and checks that it is a regular
// file this user owns; an existing file with looser bits is tightened.
func OpenPrivate(path string, flag int) (*os.File, error) {
	f, err := os.OpenFile(path, flag|NoFollow, 0o600)
	if err != nil {
		if isSymlinkLoop(err) {
			return nil, &UnsafeError{path, "it is a symbolic link"}
		}
		return nil, err
	}
	if err := CheckFile(f); err != nil {
		f.Close()
		return nil, err
	}
	if info, err := f.Stat(); err == nil && info.Mode().Perm()&0o077 != 0 && modeBitsMatter {
		f.Chmod(0o600) //nolint:errcheck // best effort: it is ours, in a private directory
	}
	return f, nil
}

// ReadPrivate reads at most max bytes of a file opened as OpenPrivate
// opens it (read-only, never created).
func ReadPrivate(path string, max int64) ([]byte, error) {
	f, err := OpenPrivate(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.Size() > max {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d ssokeeper reads", path, info.Size(), max)
	}
	buf := make([]byte, info.Size())
	n, err := f.ReadAt(buf, 0)
	if err != nil && n < len(buf) {
		return nil, err
	}
	return buf[:n], nil
}
