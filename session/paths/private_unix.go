//go:build unix

package paths

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// NoFollow makes open fail on a symlink at the path's last element.
const NoFollow = syscall.O_NOFOLLOW

const modeBitsMatter = true

// foreignOwner names the owner when it is not this user ("" when it is).
func foreignOwner(info fs.FileInfo) string {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return "its owner cannot be read"
	}
	if int(st.Uid) != os.Getuid() {
		return fmt.Sprintf("it is owned by uid %d, not by you (uid %d)", st.Uid, os.Getuid())
	}
	return ""
}

func ownedDirWithLooseMode(dir string) bool {
	info, err := os.Lstat(dir)
	return err == nil && info.IsDir() && info.Mode()&fs.ModeSymlink == 0 && foreignOwner(info) == ""
}

// isSymlinkLoop: O_NOFOLLOW on a symlink fails with ELOOP (EMLINK on
// FreeBSD, EFTYPE on NetBSD).
func isSymlinkLoop(err error) bool {
	return errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.EMLINK)
}
