// Package logging sets up ssokeeper's log: a size-capped file in the state
// directory, plus stderr with -v, through a handler that redacts the exact
// secrets the session manager and providers registered (health.Known) and
// anything that looks like a token. Tokens are never logged on purpose; the
// redaction is the second line of defence.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// MaxSize is the size at which the log file is rotated to .1 (one old
// file is kept), so a long-running agent never fills the disk.
const MaxSize = 5 << 20

// FileName is the log's name in the state directory.
const FileName = "ssokeeper.log"

// Open returns a logger writing to path (and to stderr when verbose).
func Open(path string, verbose bool, stderr io.Writer) (*slog.Logger, io.Closer, error) {
	if err := paths.EnsureDir(filepath.Dir(path)); err != nil {
		return nil, nil, err
	}
	f, err := openCapped(path, MaxSize)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open the log file %s: %w", path, err)
	}
	var w io.Writer = f
	level := slog.LevelInfo
	if verbose {
		w = io.MultiWriter(f, stderr)
		level = slog.LevelDebug
	}
	return New(w, level), f, nil
}

// New returns a redacting text logger on w.
func New(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: Redact}))
}

var (
	// A JWT (three base64url parts, the first a JSON header) or a long
	// opaque run of token characters.
	jwtRe     = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`)
	opaqueRe  = regexp.MustCompile(`[A-Za-z0-9_\-\.~+/=]{40,}`)
	secretKey = regexp.MustCompile(`(?i)(^|_)(access_token|refresh_token|id_token|token|secret|password|code_verifier|authorization)$`)
)

// Redact is a slog ReplaceAttr that hides token-like values.
func Redact(_ []string, a slog.Attr) slog.Attr {
	if secretKey.MatchString(a.Key) && a.Value.Kind() == slog.KindString && a.Value.String() != "" {
		return slog.String(a.Key, "[redacted]")
	}
	switch a.Value.Kind() {
	case slog.KindString:
		return slog.String(a.Key, RedactString(a.Value.String()))
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, RedactString(err.Error()))
		}
		if s, ok := a.Value.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, RedactString(s.String()))
		}
	}
	return a
}

// RedactString replaces the exact secrets the manager and the providers
// registered (health.Known), then token-like runs, in s.
func RedactString(s string) string {
	s = health.Known.Scrub(s)
	s = jwtRe.ReplaceAllString(s, "[redacted-jwt]")
	return opaqueRe.ReplaceAllStringFunc(s, func(m string) string {
		if strings.Contains(m, "/") && !strings.ContainsAny(m, "_-+=") {
			return m // a path or URL piece, not a token
		}
		return "[redacted]"
	})
}

// cappedFile appends to a file and rotates it when it passes max bytes.
type cappedFile struct {
	mu   sync.Mutex
	path string
	max  int64
	f    *os.File
	size int64
}

func openCapped(path string, max int64) (*cappedFile, error) {
	c := &cappedFile{path: path, max: max}
	return c, c.open()
}

func (c *cappedFile) open() error {
	// Never through a symlink: one planted at the log's path would have
	// the agent append to (or create) a file of someone else's choosing.
	f, err := paths.OpenPrivate(c.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND)
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	c.f, c.size = f, info.Size()
	return nil
}

func (c *cappedFile) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.size+int64(len(p)) > c.max {
		c.f.Close()
		os.Rename(c.path, c.path+".1") //nolint:errcheck // best effort: keep logging either way
		if err := c.open(); err != nil {
			return 0, err
		}
	}
	n, err := c.f.Write(p)
	c.size += int64(n)
	return n, err
}

func (c *cappedFile) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.f.Close()
}

// Discard is a logger that writes nothing.
func Discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
