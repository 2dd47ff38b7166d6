// Package providers builds the Provider of each configured session and
// loads the configuration together with the AWS sessions it asks for.
package providers

import (
	"fmt"

	"github.com/ssokeeper/ssokeeper/session"
	"github.com/ssokeeper/ssokeeper/session/awssso"
	"github.com/ssokeeper/ssokeeper/session/config"
	"github.com/ssokeeper/ssokeeper/session/idp"
)

// New is the session.ProviderFactory of the real program.
func New(s config.Session, deps session.ProviderDeps) (session.Provider, error) {
	switch s.Provider {
	case "aws-sso":
		return awssso.New(s, awssso.Options{HTTPClient: deps.HTTPClient, Now: deps.Now, Keyring: deps.Keyring})
	case "oidc", "entra", "okta", "google", "keycloak", "auth0", "github", "gitlab":
		return idp.New(s, idp.Options{HTTPClient: deps.HTTPClient, ClientSecret: deps.ClientSecret, Now: deps.Now})
	default:
		return nil, fmt.Errorf("unknown provider %q", s.Provider)
	}
}

// LoadConfig reads the configuration at path, fills AWS sessions from
// ~/.aws/config, and adds the AWS CLI's sso-sessions when aws_discover is
// set. A session configured by hand wins over a discovered one.
func LoadConfig(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	awsPath := awssso.ConfigPath()
	taken := map[string]bool{}
	for i := range cfg.Sessions {
		s := &cfg.Sessions[i]
		taken[s.Name] = true
		if s.Provider == "aws-sso" {
			taken["aws-sso:"+s.SSOSession] = true
			if err := awssso.Fill(s, awsPath); err != nil {
				return nil, &config.Error{Problems: []config.Problem{{File: path, Line: s.Line, Field: "sso_session", Message: err.Error()}}}
			}
		}
	}
	if cfg.AWSDiscover {
		found, err := awssso.Discover(awsPath)
		if err != nil {
			return nil, fmt.Errorf("aws_discover: %w", err)
		}
		for _, s := range found {
			if !taken[s.Name] && !taken["aws-sso:"+s.SSOSession] {
				cfg.Sessions = append(cfg.Sessions, s)
			}
		}
	}
	return cfg, nil
}
