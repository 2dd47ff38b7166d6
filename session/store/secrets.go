// Package store keeps ssokeeper's secrets in the OS keyring, its non-secret
// state in a JSON file, and the file locks that let only one process spend a
// session's refresh token.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/zalando/go-keyring"
)

// Service is the keyring service name of every ssokeeper entry.
const Service = "ssokeeper"

// Secrets holds a session's secrets (keys: refresh_token, client_secret,
// id_token). Implementations never put a secret value in an error.
type Secrets interface {
	Get(session, key string) (string, error) // ErrNotFound when absent
	Set(session, key, value string) error
	Delete(session, key string) error // absent is not an error
}

// The keys of a session's secrets.
const (
	RefreshToken = "refresh_token"
	ClientSecret = "client_secret"
	IDToken      = "id_token"
)

var (
	// ErrNotFound means the keyring has no such secret.
	ErrNotFound = errors.New("secret not found in the keyring")
	// ErrUnavailable is in every keyring failure other than not-found,
	// including a keyring that does not answer in time.
	ErrUnavailable = errors.New("the OS secret store is unavailable")
)

// DefaultTimeout bounds a keyring call when NewKeyring is given 0.
const DefaultTimeout = 5 * time.Second

// backend is go-keyring's API; tests swap in a slow or fake one.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, value string) error
	Delete(service, user string) error
}

// goKeyring is the real keyring. It first checks that a session bus exists
// where go-keyring needs one: without it godbus would run dbus-launch and
// leave a stray bus daemon behind.
type goKeyring struct{}

func (goKeyring) Get(s, u string) (string, error) {
	if err := checkSessionBus(); err != nil {
		return "", err
	}
	return keyring.Get(s, u)
}

func (goKeyring) Set(s, u, v string) error {
	if err := checkSessionBus(); err != nil {
		return err
	}
	return keyring.Set(s, u, v)
}

func (goKeyring) Delete(s, u string) error {
	if err := checkSessionBus(); err != nil {
		return err
	}
	return keyring.Delete(s, u)
}

// backgroundKeyring is goKeyring for work nobody is waiting for (the
// agent): it never calls go-keyring while the keyring is locked, so no
// unlock prompt is left pending on the shared connection.
type backgroundKeyring struct{ goKeyring }

func (b backgroundKeyring) Get(s, u string) (string, error) {
	if err := checkUnlocked(); err != nil {
		return "", err
	}
	return b.goKeyring.Get(s, u)
}

func (b backgroundKeyring) Set(s, u, v string) error {
	if err := checkUnlocked(); err != nil {
		return err
	}
	return b.goKeyring.Set(s, u, v)
}

func (b backgroundKeyring) Delete(s, u string) error {
	if err := checkUnlocked(); err != nil {
		return err
	}
	return b.goKeyring.Delete(s, u)
}

// checkSessionBus finds the D-Bus session bus the way godbus does, short of
// launching one.
func checkSessionBus() error {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return nil
	}
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" && a != "autolaunch:" {
		return nil
	}
	run := "/run/user/" + strconv.Itoa(os.Getuid())
	for _, f := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(run, f)); err == nil {
			return nil
		}
	}
	return fmt.Errorf("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set and %s/bus does not exist); start ssokeeper from your desktop session", run)
}

// NewKeyring returns Secrets kept in the OS keyring (Secret Service on
// Linux, Keychain on macOS, Credential Manager on Windows). Each call gives
// up after timeout (0 means DefaultTimeout), because the Secret Service can
// wait forever on an unlock prompt.
func NewKeyring(timeout time.Duration) Secrets {
	return newKeyring(goKeyring{}, timeout)
}

// NewBackgroundKeyring is NewKeyring for the agent: while the Secret
// Service is locked or not running, calls fail at once (ErrUnavailable)
// instead of opening an unlock prompt; the agent retries when it unlocks.
// Commands a person runs use NewKeyring, where a prompt is welcome.
func NewBackgroundKeyring(timeout time.Duration) Secrets {
	return newKeyring(backgroundKeyring{}, timeout)
}

func newKeyring(b backend, timeout time.Duration) *keyringSecrets {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &keyringSecrets{
		chunks:  chunked{b: b},
		timeout: timeout,
		busy:    make(chan struct{}, 1),
	}
}

type keyringSecrets struct {
	chunks  chunked
	timeout time.Duration
	// busy lets one keyring call run at a time, so a call stuck on a prompt
	// holds back later ones instead of piling up goroutines behind it.
	busy chan struct{}
}

func (k *keyringSecrets) Get(session, key string) (string, error) {
	var v string
	err := k.do("read", session, key, func() error {
		var err error
		v, err = k.chunks.get(userName(session, key))
		return err
	})
	if err != nil {
		return "", err
	}
	return v, nil
}

func (k *keyringSecrets) Set(session, key, value string) error {
	return k.do("save", session, key, func() error {
		return k.chunks.set(userName(session, key), value)
	})
}

func (k *keyringSecrets) Delete(session, key string) error {
	return k.do("delete", session, key, func() error {
		return k.chunks.delete(userName(session, key))
	})
}

func userName(session, key string) string { return session + "/" + key }

// do runs f in its own goroutine and waits at most k.timeout for it (and for
// an earlier stuck call to finish). A late f still completes in the
// background; its result is dropped.
func (k *keyringSecrets) do(verb, session, key string, f func() error) error {
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case k.busy <- struct{}{}:
	case <-timer.C:
		return k.timedOut(verb, session, key, "an earlier request is still waiting for it")
	}
	done := make(chan error, 1)
	go func() {
		defer func() { <-k.busy }()
		done <- f()
	}()
	select {
	case err := <-done:
		return k.wrap(verb, session, key, err)
	case <-timer.C:
		return k.timedOut(verb, session, key, "no answer")
	}
}

func (k *keyringSecrets) wrap(verb, session, key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return err
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("%w: could not %s the %s of session %q in %s: the value is too large for it",
			ErrUnavailable, verb, key, session, storeName())
	}
	return fmt.Errorf("%w: could not %s the %s of session %q in %s: %w. %s",
		ErrUnavailable, verb, key, session, storeName(), err, storeFix())
}

func (k *keyringSecrets) timedOut(verb, session, key, why string) error {
	return fmt.Errorf("%w: could not %s the %s of session %q: %s did not answer within %s (%s). %s",
		ErrUnavailable, verb, key, session, storeName(), k.timeout, why, storeFix())
}

// storeName names the secret service of this system for error messages.
func storeName() string {
	switch runtime.GOOS {
	case "darwin":
		return "the macOS Keychain"
	case "windows":
		return "the Windows Credential Manager"
	}
	return "the Secret Service (org.freedesktop.secrets)"
}

// storeFix says how to make the secret service answer.
func storeFix() string {
	switch runtime.GOOS {
	case "darwin":
		return "Unlock the login keychain (Keychain Access) and allow ssokeeper access."
	case "windows":
		return "Make sure the Credential Manager service is running."
	}
	return "Unlock the keyring (it may be waiting on an unlock prompt), or install and start a Secret Service such as gnome-keyring or KeePassXC with Secret Service integration enabled."
}
