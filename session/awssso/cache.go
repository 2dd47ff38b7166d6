package awssso

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/atomicfile"
)

// timeFormat is how the AWS CLI writes expiresAt and registrationExpiresAt.
const timeFormat = "2006-01-02T15:04:05Z"

// CachePath is the AWS CLI's token cache file of an sso-session:
// <dir>/<sha1hex(name)>.json.
func CachePath(cacheDir, ssoSessionName string) string {
	sum := sha1.Sum([]byte(ssoSessionName))
	return filepath.Join(cacheDir, hex.EncodeToString(sum[:])+".json")
}

// DefaultCacheDir is ~/.aws/sso/cache, where the AWS CLI and SDKs look.
func DefaultCacheDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the home folder for the AWS SSO cache: %w", err)
	}
	return filepath.Join(home, ".aws", "sso", "cache"), nil
}

// cacheFile is the decoded cache file. Fields is every field as found, so
// fields this program does not know survive a rewrite.
type cacheFile struct {
	Fields map[string]json.RawMessage
}

func (c *cacheFile) str(key string) string {
	var s string
	if raw, ok := c.Fields[key]; ok {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

// time reads a timestamp field; zero when absent or unreadable.
func (c *cacheFile) time(key string) time.Time {
	s := c.str(key)
	for _, layout := range []string{timeFormat, time.RFC3339, "2006-01-02T15:04:05UTC"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func (c *cacheFile) set(key, value string) {
	raw, _ := json.Marshal(value)
	c.Fields[key] = raw
}

func (c *cacheFile) setTime(key string, t time.Time) {
	c.set(key, t.UTC().Format(timeFormat))
}

// errPartial means the file exists but does not parse: the AWS CLI may be
// writing it right now (it writes in place, not atomically), or it is
// garbage (see beingWritten).
var errPartial = errors.New("the AWS SSO cache file is incomplete or not JSON")

// errNotRegular: the cache path is a symlink or not a file. Its content is
// not trusted, and a rewrite replaces the link, not its target.
var errNotRegular = errors.New("the AWS SSO cache file is not a regular file")

// errForeign: the file is for another start URL (an IAM Identity Center
// instance this session does not use), so its tokens are not ours.
var errForeign = errors.New("the AWS SSO cache file belongs to another start URL")

// writeGrace is how long after its last change an unparseable file is
// taken to be still being written. Older, it is garbage and is repaired.
const writeGrace = 2 * time.Second

// beingWritten tells a file the AWS CLI is writing at this instant from
// one that is broken for good: the first changed moments ago.
func beingWritten(path string) bool {
	info, err := os.Lstat(path)
	return err == nil && time.Since(info.ModTime()) < writeGrace
}

// readAttempts bounds how often a file being written is re-read.
const readAttempts = 5

// partialRead, when set by a test, runs after each unparseable read.
var partialRead func(attempt int)

// readCache reads the cache file. A missing file gives an error wrapping
// fs.ErrNotExist; a file that stays unparseable gives errPartial.
func readCache(path string) (*cacheFile, error) {
	var err error
	for i := range readAttempts {
		if i > 0 {
			// The CLI writes a few hundred bytes; give it a moment.
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
		}
		var c *cacheFile
		c, err = readCacheOnce(path)
		if !errors.Is(err, errPartial) {
			return c, err
		}
		if partialRead != nil {
			partialRead(i)
		}
	}
	return nil, err
}

func readCacheOnce(path string) (*cacheFile, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%w: %s", errNotRegular, path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &cacheFile{}
	if err := json.Unmarshal(data, &c.Fields); err != nil || c.Fields == nil {
		return nil, fmt.Errorf("%w: %s", errPartial, path)
	}
	return c, nil
}

// writeCache replaces the file atomically (temp file in the same folder,
// then rename) with owner-only permissions, so a reader never sees half.
func writeCache(path string, c *cacheFile) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(c.Fields); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes(), 0o600)
}

// isNotExist reports a missing cache file.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
