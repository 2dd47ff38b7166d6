//go:build linux

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHeadlessWithoutSessionBus: the agent started with a tray, where the
// session bus does not exist, keeps running without one: it says once why,
// serves the command line, notifies into its log, and stops cleanly.
func TestHeadlessWithoutSessionBus(t *testing.T) {
	for _, withTray := range []bool{true, false} {
		name := "headless"
		if withTray {
			name = "tray"
		}
		t.Run(name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
			r := newRig(t, "work")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stderr, exited := r.runAgent(ctx, withTray)

			r.signIn()
			if st := status(t, "work"); st.State != "healthy" {
				t.Errorf("status: %s/%s", st.State, st.Reason)
			}
			if res := runCLI("token", "work"); res.code != 0 || res.stdout == "" {
				t.Errorf("token: %s", res)
			}

			cancel()
			select {
			case code := <-exited:
				if code != 0 {
					t.Errorf("RunAgent returned %d, want 0", code)
				}
			case <-time.After(wait):
				t.Fatal("RunAgent did not return after cancel")
			}
			out := stderr.String()
			if strings.Contains(out, "panic") {
				t.Errorf("stderr:\n%s", out)
			}
			why := "running without a tray icon: no D-Bus session bus"
			if n := strings.Count(out, why); withTray && n != 1 {
				t.Errorf("stderr says %d times %q, want once:\n%s", n, why, out)
			}
			if n := strings.Count(out, "tray icon"); !withTray && n != 0 {
				t.Errorf("headless, yet stderr speaks of the tray icon:\n%s", out)
			}
			// Notifications have nowhere to go but the log, which says why.
			log, err := os.ReadFile(filepath.Join(os.Getenv("SSOKEEPER_STATE_DIR"), "ssokeeper.log"))
			if err != nil || !strings.Contains(string(log), "desktop notifications are off") {
				t.Errorf("the log does not say notifications are off (%v):\n%s", err, log)
			}
		})
	}
}
