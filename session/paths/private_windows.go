package paths

import (
	"io/fs"
)

// NoFollow: Windows has no O_NOFOLLOW; CheckDir refuses a directory that
// is a symlink or junction, and ssokeeper's directories live in the
// user's profile (%LocalAppData%), whose ACL admits only that user.
const NoFollow = 0

// Windows permissions are ACLs, not mode bits: the profile's ACL is what
// keeps other users out (see SECURITY.md).
const modeBitsMatter = false

func foreignOwner(fs.FileInfo) string { return "" }

func ownedDirWithLooseMode(string) bool { return false }

func isSymlinkLoop(error) bool { return false }
