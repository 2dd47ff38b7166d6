package store

import (
	"errors"
	"fmt"
	"maps"
	"sync"
)

// Memory is Secrets kept in memory, for tests of other packages.
type Memory struct {
	mu      sync.Mutex
	secrets map[string]string // "session/key" → value
	failure error
}

// NewMemory returns an empty in-memory Secrets.
func NewMemory() *Memory {
	return &Memory{secrets: map[string]string{}}
}

// SetFailure makes every later call fail with an error that Is
// ErrUnavailable and wraps err, as a locked keyring would. nil heals it.
func (m *Memory) SetFailure(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil && !errors.Is(err, ErrUnavailable) {
		err = fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	m.failure = err
}

// Snapshot returns a copy of the stored secrets keyed "session/key".
func (m *Memory) Snapshot() map[string]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.secrets)
}

func (m *Memory) Get(session, key string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failure != nil {
		return "", m.failure
	}
	v, ok := m.secrets[userName(session, key)]
	if !ok {
		return "", ErrNotFound
	}
	return v, nil
}

func (m *Memory) Set(session, key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failure != nil {
		return m.failure
	}
	m.secrets[userName(session, key)] = value
	return nil
}

func (m *Memory) Delete(session, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failure != nil {
		return m.failure
	}
	delete(m.secrets, userName(session, key))
	return nil
}
