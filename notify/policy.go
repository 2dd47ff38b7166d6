package notify

import (
	"fmt"
	"slices"
	"time"

	"github.com/ssokeeper/ssokeeper/internal/words"
	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/health"
)

// policy decides from the manager's events which notifications to show.
// It is pure: no D-Bus, no clock of its own, so a table test covers it.
//
// A failure (needs_login, expired, config_error) is one incident: it is
// shown once, not again for retries or repeated failures with the same
// state and reason, and again only after the session was healthy in
// between or the reason changed. Failures wait in pending until flush, so
// several of them become one grouped notification.
type policy struct {
	open    map[string]session.Status // sessions with an open incident
	pending []string                  // failing sessions not shown yet, in order
	shown   map[string]string         // session -> key of its latest bubble
	groups  map[string][]string       // group bubble key -> sessions it asks to sign in
	warned  map[string]time.Time      // session -> hard end it was warned about
	seq     int
	now     func() time.Time // for events without a time
}

func newPolicy(now func() time.Time) *policy {
	return &policy{
		now:    now,
		open:   map[string]session.Status{},
		shown:  map[string]string{},
		groups: map[string][]string{},
		warned: map[string]time.Time{},
	}
}

// events returns the notifications to show now. Failures are kept for
// flush instead.
func (p *policy) events(evs []session.Event) []message {
	var out []message
	for _, ev := range evs {
		switch ev.Kind {
		case session.StateChanged:
			p.stateChanged(ev)
		case session.EndingSoon:
			if m, ok := p.endingSoon(ev); ok {
				out = append(out, m)
			}
		case session.LoginSucceeded:
			out = append(out, p.loginSucceeded(ev.Session))
		case session.DeviceCodeShown:
			if m, ok := p.deviceCode(ev); ok {
				out = append(out, m)
			}
		}
	}
	return out
}

// seed opens incidents for the sessions that need action in the first
// snapshot Run receives: their StateChanged events were published before
// the notifier subscribed (at start-up), yet the person should hear of them.
func (p *policy) seed(snap session.Snapshot) {
	for _, st := range snap.Sessions {
		if st.State.NeedsAction() {
			p.stateChanged(session.Event{Kind: session.StateChanged, Session: st.Name, To: st.State, Reason: st.Reason, Status: st})
		}
	}
}

func (p *policy) stateChanged(ev session.Event) {
	st := ev.Status
	st.Name = ev.Session
	if ev.To != "" {
		st.State = ev.To
	}
	if ev.Reason != "" {
		st.Reason = ev.Reason
	}
	switch {
	case st.State.NeedsAction():
		if prev, ok := p.open[st.Name]; ok && prev.State == st.State && prev.Reason == st.Reason {
			return // the same incident again: a retry or a repeated failure
		}
		p.open[st.Name] = st
		if !slices.Contains(p.pending, st.Name) {
			p.pending = append(p.pending, st.Name)
		}
	case st.State == health.Healthy || st.State == health.LoggedOut:
		p.resolve(st.Name)
	}
	// Refreshing, retrying and degraded keep an open incident open.
}

// prune forgets sessions that left the configuration, so one added again
// under the same name starts afresh.
func (p *policy) prune(snap session.Snapshot) {
	for name := range p.open {
		if _, ok := snap.Get(name); !ok {
			p.resolve(name)
			delete(p.shown, name)
			delete(p.warned, name)
		}
	}
}

// resolve ends the session's incident, shown or not.
func (p *policy) resolve(name string) {
	delete(p.open, name)
	p.pending = slices.DeleteFunc(p.pending, func(n string) bool { return n == name })
}

// hasPending reports whether flush has something to show.
func (p *policy) hasPending() bool { return len(p.pending) > 0 }

// flush returns the notifications for the failures gathered since the last
// flush: one per configuration error, and the sign-in failures as one
// notification, grouped when there are several.
func (p *policy) flush() []message {
	var out []message
	var failing []session.Status
	for _, name := range p.pending {
		st := p.open[name]
		if st.State == health.ConfigError {
			out = append(out, p.single(st))
		} else {
			failing = append(failing, st)
		}
	}
	p.pending = nil
	switch len(failing) {
	case 0:
	case 1:
		out = append(out, p.single(failing[0]))
	default:
		out = append(out, p.group(failing))
	}
	return out
}

func (p *policy) single(st session.Status) message {
	key := "session:" + st.Name
	p.shown[st.Name] = key
	m := message{
		key:      key,
		title:    st.Name + ": " + st.Title(),
		body:     failureText(st),
		action:   signIn,
		sessions: []string{st.Name},
		urgency:  normal,
	}
	if st.State == health.ConfigError {
		m.action, m.sessions = noAction, nil // the fix says what to edit
	}
	return m
}

func (p *policy) group(sts []session.Status) message {
	p.seq++
	key := fmt.Sprintf("group:%d", p.seq)
	names := make([]string, len(sts))
	body := ""
	for i, st := range sts {
		names[i] = st.Name
		p.shown[st.Name] = key
		body += st.Name + ": " + st.Title() + "\n"
	}
	p.groups[key] = names
	return message{
		key:      key,
		title:    fmt.Sprintf("%d sessions need sign-in: %s", len(names), listNames(names)),
		body:     body + "Sign in signs them in one after another.",
		action:   signIn,
		sessions: names,
		urgency:  normal,
	}
}

// loginSucceeded confirms a sign-in in the bubble that asked for it.
func (p *policy) loginSucceeded(name string) message {
	p.resolve(name)
	key := p.shown[name]
	if key == "" {
		key = "session:" + name
	}
	delete(p.shown, name)
	m := message{key: key, title: name + ": signed in", body: "The session is kept fresh again.", urgency: low}
	if names, ok := p.groups[key]; ok {
		var rest []string
		for _, n := range names {
			if _, failing := p.open[n]; failing && n != name {
				rest = append(rest, n)
			}
		}
		p.groups[key] = rest
		if len(rest) == 0 {
			delete(p.groups, key)
		} else {
			m.body = "Still to sign in: " + listNames(rest) + "."
			m.action, m.sessions, m.urgency = signIn, rest, normal
		}
	}
	return m
}

func (p *policy) endingSoon(ev session.Event) (message, bool) {
	name := ev.Session
	title := name + ": session ends soon"
	if end := ev.Status.SessionExpiresAt; end != nil {
		if p.warned[name].Equal(*end) {
			return message{}, false // warned about this end already
		}
		p.warned[name] = *end
		at := ev.At
		if at.IsZero() {
			at = p.now()
		}
		title = name + ": session ends in " + words.Left(end.Sub(at))
	}
	key := "session:" + name
	p.shown[name] = key
	return message{
		key:      key,
		title:    title,
		body:     "It cannot be refreshed past its end. Sign in now to start a new session.",
		action:   signIn,
		sessions: []string{name},
		anyState: true,
		urgency:  normal,
	}, true
}

func (p *policy) deviceCode(ev session.Event) (message, bool) {
	dc := ev.DeviceCode
	if dc == nil || dc.UserCode == "" {
		return message{}, false
	}
	key := "session:" + ev.Session
	p.shown[ev.Session] = key
	m := message{
		key:     key,
		title:   ev.Session + ": sign in with code " + dc.UserCode,
		body:    "Enter code " + dc.UserCode + " at " + dc.VerificationURI,
		urgency: normal,
	}
	open := dc.VerificationURIComplete
	if open == "" {
		open = dc.VerificationURI
	}
	if isWebURL(open) {
		m.action, m.url, m.sessions = openURL, open, []string{ev.Session}
	}
	return m, true
}
