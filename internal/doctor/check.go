// Package doctor checks every part a session depends on: the
// configuration, the identity provider, the clock, the keyring, the stored
// refresh token, the client registration, the scopes, the agent and the
// start-at-login entry. Each check is a small function with explicit
// inputs; Run wires them for `ssokeeper doctor`. Nothing here ever reads
// out or prints a token.
package doctor

import "time"

// Check is the outcome of one check.
type Check struct {
	Name     string
	OK       bool   // false: the person must act, and Fix says how
	Warn     bool   // OK, but worth a look (Fix says what to change)
	Detail   string // what was found, for a person; never a secret
	Fix      string // what to do when not OK or a warning
	Duration time.Duration
}

// The names of the checks, in the order doctor prints them.
const (
	NameConfig       = "configuration valid"
	NameDiscovery    = "identity provider reachable"
	NameClock        = "clock agrees with the identity provider"
	NameKeyring      = "keyring reachable and unlocked"
	NameRefreshToken = "refresh token stored"
	NameClient       = "client accepted by the identity provider"
	NameScopes       = "scopes ask for a refresh token"
	NameAgent        = "agent running"
	NameAutostart    = "starts at login"
)

func pass(name, detail string) Check { return Check{Name: name, OK: true, Detail: detail} }

func fail(name, detail, fix string) Check {
	return Check{Name: name, Detail: detail, Fix: fix}
}

func warn(name, detail, fix string) Check {
	return Check{Name: name, OK: true, Warn: true, Detail: detail, Fix: fix}
}

// timed runs f and records how long it took.
func timed(f func() Check) Check {
	start := time.Now()
	c := f()
	c.Duration = time.Since(start)
	return c
}

func ms(d time.Duration) int64 { return d.Milliseconds() }
