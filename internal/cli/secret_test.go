package cli

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// The client secret goes from stdin to the real keyring, never to argv,
// stdout or stderr.
func TestSecretSetStoresInKeyring(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		testkit.Missing(t, "no D-Bus session bus")
	}
	name := "secret-test-" + rand.Text()[:8]
	secret := "s3cret-" + rand.Text()
	keyring := store.NewKeyring(5 * time.Second)
	t.Cleanup(func() { keyring.Delete(name, store.ClientSecret) }) //nolint:errcheck

	out, errOut, code := runCLI(secret+"\n", "secret", "set", name)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out+errOut, secret) {
		t.Error("the secret was echoed")
	}
	got, err := keyring.Get(name, store.ClientSecret)
	if err != nil || got != secret {
		t.Fatalf("keyring holds %d bytes (%v), want the secret", len(got), err)
	}

	_, _, code = runCLI("", "secret", "set", name)
	if code != exitUsage {
		t.Errorf("empty stdin: exit %d, want 2", code)
	}
}
