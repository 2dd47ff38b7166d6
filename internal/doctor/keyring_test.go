package doctor_test

import (
	"crypto/rand"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// needSecretService skips without a session bus, unless the test harness
// (scripts/test.sh) promised one.
func needSecretService(t *testing.T) {
	t.Helper()
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("SSOKEEPER_REQUIRE_DBUS") == "1" {
			t.Fatal("SSOKEEPER_REQUIRE_DBUS=1 but DBUS_SESSION_BUS_ADDRESS is not set")
		}
		t.Skip("no D-Bus session bus; run under scripts/test.sh")
	}
}

func TestKeyringChecksWithSecretService(t *testing.T) {
	needSecretService(t)
	k := store.NewKeyring(5 * time.Second)
	wantPass(t, doctor.Keyring(k))

	name := "doctor-test-" + rand.Text()[:8]
	wantFail(t, doctor.RefreshToken(k, name), "no refresh token is stored", "ssokeeper login "+name)
	secret := rand.Text()
	if err := k.Set(name, store.RefreshToken, secret); err != nil {
		t.Fatal(err)
	}
	defer k.Delete(name, store.RefreshToken)
	c := doctor.RefreshToken(k, name)
	wantPass(t, c)
	if strings.Contains(c.Detail, secret) {
		t.Error("the check shows the refresh token")
	}
}
