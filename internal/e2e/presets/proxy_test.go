//go:build linux

package presets

import "github.com/ssokeeper/ssokeeper/internal/testproxy"

// The TLS-inspecting corporate proxy the presets are reached through.
type proxy = testproxy.Proxy

var (
	startProxy  = testproxy.Start
	throwAwayCA = testproxy.ThrowAwayCA
)
