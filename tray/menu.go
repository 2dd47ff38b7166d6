package tray

import "fyne.io/systray"

// The menu is built once from slots and then only updated: systray cannot
// insert an item in the middle, and removing items is unreliable across
// platforms. A slot shows one session; unused slots are hidden. When a
// reload brings more sessions than there are slots, the whole menu is
// rebuilt with ResetMenu, which closes every old ClickedCh.

// entry is a menu item that remembers what it shows, so an unchanged
// snapshot sends nothing over D-Bus.
type entry struct {
	it       *systray.MenuItem
	title    string
	disabled bool
	hidden   bool
	checked  bool
}

func newEntry(it *systray.MenuItem, title string) *entry {
	return &entry{it: it, title: title}
}

func (e *entry) setTitle(s string) {
	if e.title != s {
		e.title = s
		e.it.SetTitle(menuText(s))
	}
}

func (e *entry) setEnabled(on bool) {
	if e.disabled == on {
		e.disabled = !on
		if on {
			e.it.Enable()
		} else {
			e.it.Disable()
		}
	}
}

func (e *entry) setVisible(on bool) {
	if e.hidden == on {
		e.hidden = !on
		if on {
			e.it.Show()
		} else {
			e.it.Hide()
		}
	}
}

func (e *entry) setChecked(on bool) {
	if e.checked != on {
		e.checked = on
		if on {
			e.it.Check()
		} else {
			e.it.Uncheck()
		}
	}
}

// action is a click, sent to the tray's loop.
type action struct {
	kind actionKind
	slot int // for session actions
}

type actionKind int

const (
	actTap actionKind = iota
	actLogin
	actRefresh
	actLogout
	actNotice
	actRefreshAll
	actAutostart
	actOpenConfig
	actOpenLog
	actQuit
	actSignInAll
)

type slot struct {
	item, signIn, refresh, signOut *entry
	lines                          []*entry
}

type menu struct {
	notice                                           *entry
	slots                                            []*slot
	refreshAll, autostart, openConfig, openLog, quit *entry
	signInAll                                        *entry
	clicks                                           chan<- action
	done                                             <-chan struct{}
}

// build adds every item, with n session slots, to an empty menu.
func (m *menu) build(n int, withAutostart bool) {
	m.notice = m.button(nil, "", action{kind: actNotice})
	m.notice.setVisible(false)
	m.slots = nil
	for i := 0; i < n; i++ {
		it := systray.AddMenuItem("", "")
		s := &slot{item: newEntry(it, "")}
		s.signIn = m.button(it, "Sign in", action{actLogin, i})
		s.refresh = m.button(it, "Refresh now", action{actRefresh, i})
		s.signOut = m.button(it, "Sign out", action{actLogout, i})
		// The details (message, fix, times) follow as disabled lines in
		// the same submenu, not in a "Details" submenu: GTK hosts
		// (libdbusmenu-gtk, tried with xfce4-panel) show a third menu
		// level from systray v1.12.2 empty.
		it.AddSeparator()
		for j := 0; j < maxDetails; j++ {
			l := newEntry(it.AddSubMenuItem("", ""), "")
			l.setEnabled(false)
			s.lines = append(s.lines, l)
		}
		m.slots = append(m.slots, s)
	}
	systray.AddSeparator()
	m.refreshAll = m.button(nil, "Refresh all", action{kind: actRefreshAll})
	m.signInAll = m.button(nil, signInAllTitle, action{kind: actSignInAll})
	m.signInAll.setVisible(false)
	m.autostart = nil
	if withAutostart {
		it := systray.AddMenuItemCheckbox("Start at login", "", false)
		m.watch(it, action{kind: actAutostart})
		m.autostart = newEntry(it, "Start at login")
	}
	m.openConfig = m.button(nil, "Open configuration", action{kind: actOpenConfig})
	m.openLog = m.button(nil, "Open log", action{kind: actOpenLog})
	systray.AddSeparator()
	m.quit = m.button(nil, "Quit", action{kind: actQuit})
}

// button adds a clickable item to the menu, or to parent's submenu.
func (m *menu) button(parent *systray.MenuItem, title string, a action) *entry {
	var it *systray.MenuItem
	if parent == nil {
		it = systray.AddMenuItem(title, "")
	} else {
		it = parent.AddSubMenuItem(title, "")
	}
	m.watch(it, a)
	return newEntry(it, title)
}

// watch forwards the item's clicks to the loop until the item is removed
// (ResetMenu closes ClickedCh) or the tray stops.
func (m *menu) watch(it *systray.MenuItem, a action) {
	go func() {
		for {
			select {
			case _, ok := <-it.ClickedCh:
				if !ok {
					return
				}
				select {
				case m.clicks <- a:
				case <-m.done:
					return
				}
			case <-m.done:
				return
			}
		}
	}()
}

// apply shows a model, growing the menu first when it lacks slots. It
// reports whether it built the menu anew.
func (m *menu) apply(md Model, withAutostart bool) (built bool) {
	if m.slots == nil || len(md.Sessions) > len(m.slots) {
		if m.slots != nil {
			systray.ResetMenu()
		}
		m.build(max(len(md.Sessions), 1), withAutostart)
		built = true
	}
	m.notice.setTitle(md.Notice)
	m.notice.setVisible(md.Notice != "")
	signInAll := md.SignInAllLabel()
	if signInAll != "" {
		m.signInAll.setTitle(signInAll)
	}
	m.signInAll.setVisible(signInAll != "")
	for i, s := range m.slots {
		if i >= len(md.Sessions) {
			s.item.setVisible(false)
			continue
		}
		it := md.Sessions[i]
		s.item.setTitle(it.Label)
		s.item.setVisible(true)
		s.signIn.setTitle(it.SignInLabel)
		s.signIn.setEnabled(it.CanLogin)
		s.refresh.setEnabled(it.CanRefresh)
		s.signOut.setEnabled(it.CanLogout)
		for j, l := range s.lines {
			if j < len(it.Details) {
				l.setTitle(it.Details[j])
			}
			l.setVisible(j < len(it.Details))
		}
	}
	return built
}
