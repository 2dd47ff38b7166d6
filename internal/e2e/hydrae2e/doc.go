// Package hydrae2e tests ssokeeper end to end against Ory Hydra v2.3.0, a
// production OAuth 2.0 / OpenID Connect server: sign-in with PKCE,
// background refreshes through Hydra's rotating refresh tokens (which
// revoke the whole chain when an old one is reused, so they prove there is
// one writer), concurrent `token` calls, revocation at the IdP, logout and
// an agent killed mid-refresh.
//
// Hydra is built once per test run from the nested module ../hydra (its
// go.mod names it as a tool, so this module's go.mod stays lean), with cgo
// and the sqlite tags, and runs with DSN=memory. It has no login UI: the
// tests serve a tiny login and consent app that accepts every request
// through Hydra's admin API, and the fake browser (this test binary, run
// as $BROWSER) only follows redirects.
package hydrae2e
