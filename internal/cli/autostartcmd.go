package cli

import (
	"context"
	"fmt"

	"github.com/ssokeeper/ssokeeper/internal/autostart"
)

func cmdAutostart(ctx context.Context, e *Env, g *Globals, args []string) int {
	fs := newFlags(e, "autostart", "[--systemd] enable|disable|status", "Start ssokeeper when you log in (XDG autostart on Linux, a LaunchAgent on macOS, the Run key on Windows).")
	systemd := fs.Bool("systemd", false, "enable: a systemd user unit started with the graphical session (Linux with systemd), instead of an XDG autostart entry")
	pos, code, ok := parse(fs, args, e)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	m, err := autostart.New()
	if err != nil {
		return report(e, err)
	}
	switch pos[0] {
	case "enable":
		if *systemd {
			if err = m.UseSystemd(); err != nil {
				return report(e, err)
			}
		}
		err = m.Enable()
	case "disable":
		err = m.Disable()
	case "status":
	default:
		fs.Usage()
		return exitUsage
	}
	if err != nil {
		return report(e, err)
	}
	st, err := m.Status()
	if err != nil {
		return report(e, err)
	}
	fmt.Fprintln(e.Stdout, st.String())
	if pos[0] == "status" && st.Installed && !st.PointsHere {
		return exitAction
	}
	return exitOK
}
