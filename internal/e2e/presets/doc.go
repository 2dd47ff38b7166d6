// Package presets proves every provider preset against an OpenID Provider
// shaped like the real one, at its real hostname, as a user's machine sees
// it: the tests run an HTTPS proxy on 127.0.0.1 that answers CONNECT for
// login.microsoftonline.com, an Okta domain, accounts.google.com (with
// oauth2.googleapis.com and www.googleapis.com), an Auth0 domain and a
// Keycloak host, with certificates from a throw-away CA. The ssokeeper
// binary runs as a child process with HTTPS_PROXY pointing at the proxy and
// SSL_CERT_FILE at the CA: the path a user behind a corporate proxy takes.
// (Both variables are read once per process, hence the child processes.)
package presets
