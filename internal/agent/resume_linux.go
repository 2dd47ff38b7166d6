package agent

import (
	"context"
	"log/slog"

	"github.com/godbus/dbus/v5"
)

// watchResume re-plans every session the moment the machine wakes, using
// logind's PrepareForSleep(false) signal on the system bus. Without a
// system bus the manager's wall-clock watchdog still notices the sleep.
func watchResume(ctx context.Context, wake func(), log *slog.Logger) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		log.Debug("no system bus; sleep is noticed by the wall-clock watchdog", "err", err)
		return
	}
	defer conn.Close()
	err = conn.AddMatchSignal(dbus.WithMatchInterface("org.freedesktop.login1.Manager"),
		dbus.WithMatchMember("PrepareForSleep"))
	if err != nil {
		return
	}
	ch := make(chan *dbus.Signal, 4)
	conn.Signal(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-ch:
			if !ok {
				return
			}
			if len(sig.Body) == 1 {
				if going, _ := sig.Body[0].(bool); !going {
					log.Info("resumed from sleep; re-planning every session")
					wake()
				}
			}
		}
	}
}
