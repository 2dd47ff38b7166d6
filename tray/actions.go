package tray

// do carries out a click. Backend calls return at once (the manager queues
// the work); opening a file may not, so it runs on its own.
func (t *tray) do(a action) {
	log := t.opts.Logger
	name := ""
	if a.slot >= 0 && a.slot < len(t.model.Sessions) {
		name = t.model.Sessions[a.slot].Name
	}
	switch a.kind {
	case actTap, actSignInAll:
		t.signInAll()
	case actLogin:
		if name != "" {
			t.b.Login(name)
		}
	case actRefresh:
		if name != "" {
			t.b.Refresh(name)
		}
	case actLogout:
		if name != "" {
			t.b.Logout(name)
		}
	case actRefreshAll:
		t.b.RefreshAll()
	case actAutostart:
		t.toggleAutostart()
	case actNotice, actOpenConfig:
		t.open("configuration", t.opts.ConfigPath)
	case actOpenLog:
		t.open("log", t.opts.LogPath)
	default:
		log.Debug("tray: unknown click", "kind", a.kind)
	}
}

// signInAll signs in every session that needs it, in menu order, one tab
// at a time where the backend can (LoginInTurn). With none, a click on the
// icon does nothing (the menu is on the other button).
func (t *tray) signInAll() {
	var names []string
	for _, s := range t.model.Sessions {
		if s.NeedsLogin {
			names = append(names, s.Name)
		}
	}
	loginAll(t.b, names)
	t.opts.Logger.Debug("tray: icon clicked", "sign_ins_started", len(names))
}

// loginAll signs names in one after another when b can, else starts each.
func loginAll(b Backend, names []string) {
	if len(names) == 0 {
		return
	}
	if q, ok := b.(interface{ LoginInTurn([]string) }); ok {
		q.LoginInTurn(names)
		return
	}
	for _, name := range names {
		b.Login(name)
	}
}

func (t *tray) open(what, path string) {
	log := t.opts.Logger
	if path == "" || t.opts.Open == nil {
		log.Warn("tray: cannot open the " + what + ": its path is not known")
		return
	}
	go func() {
		if err := t.opts.Open(path); err != nil {
			log.Warn("tray: could not open the "+what+" with the desktop's default application; open it by hand",
				"path", path, "err", err)
		}
	}()
}

func (t *tray) toggleAutostart() {
	as := t.opts.Autostart
	if as == nil {
		return
	}
	on, err := as.Enabled()
	if err == nil {
		err = as.SetEnabled(!on)
	}
	if err != nil {
		t.opts.Logger.Warn("tray: could not change start at login; try `ssokeeper autostart enable|disable`", "err", err)
	}
	t.syncAutostart()
}

// syncAutostart shows the real autostart state in the checkbox.
func (t *tray) syncAutostart() {
	if t.opts.Autostart == nil || t.menu.autostart == nil {
		return
	}
	on, err := t.opts.Autostart.Enabled()
	if err != nil {
		t.opts.Logger.Warn("tray: could not read whether ssokeeper starts at login", "err", err)
		return
	}
	t.menu.autostart.setChecked(on)
}
