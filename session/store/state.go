package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/atomicfile"
	"github.com/ssokeeper/ssokeeper/session/paths"
)

// StateVersion is the format of state.json that this build writes.
const StateVersion = 1

// SessionState is what ssokeeper remembers about a session between runs.
// It holds no secret.
type SessionState struct {
	Provider            string    `json:"provider"`
	State               string    `json:"state"`
	Reason              string    `json:"reason,omitempty"`
	Detail              string    `json:"detail,omitempty"`
	AccessExpiresAt     time.Time `json:"access_expires_at,omitzero"`
	SessionStartedAt    time.Time `json:"session_started_at,omitzero"`
	SessionExpiresAt    time.Time `json:"session_expires_at,omitzero"`
	LastRefresh         time.Time `json:"last_refresh,omitzero"`
	LastAttempt         time.Time `json:"last_attempt,omitzero"`
	NextRefresh         time.Time `json:"next_refresh,omitzero"`
	ConsecutiveFailures int       `json:"consecutive_failures"`
	HasRefreshToken     bool      `json:"has_refresh_token"`
	LoggedOut           bool      `json:"logged_out,omitempty"`
}

// State is the content of state.json.
type State struct {
	Version          int                     `json:"version"`
	ClockSkewSeconds float64                 `json:"clock_skew_seconds"`
	UpdatedAt        time.Time               `json:"updated_at"`
	Sessions         map[string]SessionState `json:"sessions"`
}

// NewState returns an empty State.
func NewState() *State {
	return &State{Version: StateVersion, Sessions: map[string]SessionState{}}
}

// StatePath is state.json in paths.StateDir().
func StatePath() (string, error) {
	dir, err := paths.StateDir()
	if err != nil {
		return "", fmt.Errorf("could not find the state directory: %w", err)
	}
	return filepath.Join(dir, "state.json"), nil
}

// maxStateSize bounds what LoadState reads: a few KiB a session.
const maxStateSize = 4 << 20

// LoadState reads the state file, never through a symlink and only when
// this user owns it. A missing file gives an empty State. On
// any error it still returns an empty State, so the caller may log the
// error and carry on: the file is rebuilt by the next SaveState.
func LoadState(path string) (*State, error) {
	data, err := paths.ReadPrivate(path, maxStateSize)
	if errors.Is(err, fs.ErrNotExist) {
		return NewState(), nil
	}
	if err != nil {
		return NewState(), fmt.Errorf("could not read the state file %s: %w; check its permissions", path, err)
	}
	s := NewState()
	if err := json.Unmarshal(data, s); err != nil {
		return NewState(), fmt.Errorf("%w: %s (%v); ssokeeper rebuilds it from the keyring", ErrCorruptState, path, err)
	}
	if s.Sessions == nil {
		s.Sessions = map[string]SessionState{}
	}
	return s, nil
}

// ErrCorruptState: state.json is not what this program writes (truncated,
// garbage). LoadState still returns an empty State with it.
var ErrCorruptState = errors.New("the state file is corrupt")

// CorruptSuffix starts the name of a corrupt state file kept aside:
// state.json.corrupt-20261203T040506Z.
const CorruptSuffix = ".corrupt-"

// SetAside renames a corrupt state file to path.corrupt-<time>, so that it
// is not overwritten before a person could look at it. It returns the new
// name.
func SetAside(path string, now time.Time) (string, error) {
	aside := path + CorruptSuffix + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("could not keep the corrupt state file aside as %s: %w", aside, err)
	}
	return aside, nil
}

// CorruptFiles lists the corrupt state files kept aside beside path.
func CorruptFiles(path string) []string {
	found, _ := filepath.Glob(path + CorruptSuffix + "*")
	return found
}

// SaveState writes s to path atomically: a reader sees the old file or the
// new one, never a part. The file is 0600, a new directory 0700.
func SaveState(path string, s *State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("could not encode the state: %w", err)
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o600); err != nil {
		return fmt.Errorf("could not save the state file %s: %w; check that the directory is writable and the disk not full", path, err)
	}
	return nil
}
