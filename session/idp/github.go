package idp

import "golang.org/x/oauth2"

// githubDiscovery is what discovery would find if GitHub had an OpenID
// configuration: its OAuth endpoints under the instance's base URL
// (github.com or an Enterprise Server). There is no ID token to verify
// and no RFC 7009 revocation endpoint (GitHub revokes a grant through its
// REST API with the app's credentials), so logout only forgets the token.
// GitHub answers in form encoding and sends errors with HTTP 200; x/oauth2
// reads both.
func githubDiscovery(base string) *discovery {
	return &discovery{endpoint: oauth2.Endpoint{
		AuthURL:       base + "/login/oauth/authorize",
		TokenURL:      base + "/login/oauth/access_token",
		DeviceAuthURL: base + "/login/device/code",
	}}
}
