package doctor_test

import (
	"crypto/rand"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/doctor"
	"github.com/ssokeeper/ssokeeper/internal/testkit"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// needSecretService returns the system keyring. Without a working Secret
// Service it skips, or fails when the test harness (scripts/test.sh)
// promised one with SSOKEEPER_REQUIRE_DBUS=1.
func needSecretService(t *testing.T) store.Secrets {
	t.Helper()
	missing := func(why string) { testkit.Missing(t, why) }
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		missing("no D-Bus session bus")
	}
	k := store.NewKeyring(5 * time.Second)
	if _, err := k.Get("ssokeeper-test-probe", "probe"); !errors.Is(err, store.ErrNotFound) {
		missing("the Secret Service does not work: " + err.Error())
	}
	return k
}

func TestKeyringChecksWithSecretService(t *testing.T) {
	k := needSecretService(t)
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
