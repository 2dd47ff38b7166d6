package awssso

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"

	"github.com/ssokeeper/ssokeeper/session/health"
	"github.com/ssokeeper/ssokeeper/session/store"
)

// registrationKey is the keyring entry of our copy of the registration.
const registrationKey = "aws_registration"

// Keyring is the session's part of the OS keyring.
type Keyring interface {
	Get(key string) (string, error) // wraps store.ErrNotFound when absent
	Set(key, value string) error
	Delete(key string) error
}

// registration is an SSO OIDC client registration (RegisterClient). It is
// not a user's secret, but the AWS CLI keeps it beside the token and so do
// we: refresh tokens are bound to the client that obtained them.
type registration struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	ExpiresAt    string `json:"registrationExpiresAt"` // timeFormat
	// Flow is the sign-in flow it was registered for ("browser" needs the
	// authorization_code grant and our redirect URI); empty when imported.
	Flow     string `json:"flow,omitempty"`
	StartURL string `json:"startUrl,omitempty"`
	Region   string `json:"region,omitempty"`
}

func (r *registration) expiry() time.Time {
	t, err := time.Parse(timeFormat, r.ExpiresAt)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, r.ExpiresAt); err != nil {
			return time.Time{}
		}
	}
	return t
}

// expired is also true for an unreadable expiry: renew rather than guess.
func (r *registration) expired(now time.Time) bool {
	return !now.Before(r.expiry())
}

// fileRegistration is the registration in the AWS CLI's cache file.
func fileRegistration(c *cacheFile) *registration {
	if c == nil {
		return nil
	}
	r := &registration{ClientID: c.str("clientId"), ClientSecret: c.str("clientSecret")}
	if r.ClientID == "" || r.ClientSecret == "" {
		return nil
	}
	if t := c.time("registrationExpiresAt"); !t.IsZero() {
		r.ExpiresAt = t.UTC().Format(timeFormat)
	}
	return r
}

// pickRegistration chooses the client a refresh token belongs to: the
// file's when the file holds this very refresh token, else our own copy,
// else whatever the file has.
//
// A keyring that cannot be read is an error, never "no registration": that
// would end in needs-login and cost the refresh token.
func (p *Provider) pickRegistration(c *cacheFile, refreshToken string) (*registration, error) {
	fromFile := fileRegistration(c)
	if fromFile != nil && c.str("refreshToken") == refreshToken {
		return fromFile, nil
	}
	own, err := p.ownRegistration()
	if err != nil {
		return nil, &reasonError{health.KeyringUnavailable, fmt.Errorf(
			"cannot read ssokeeper's IAM Identity Center client registration from the keyring: %w", err)}
	}
	if own != nil {
		return own, nil
	}
	return fromFile, nil
}

// loadRegistration is our copy, nil when there is none or it cannot be read.
func (p *Provider) loadRegistration() *registration {
	r, _ := p.ownRegistration()
	return r
}

// ownRegistration reads our copy of the registration: from the keyring
// (its client secret is a secret), moving there the copy that older
// versions kept in a state file. Without a keyring (doctor, tests) the
// file is the copy.
func (p *Provider) ownRegistration() (*registration, error) {
	if p.keyring == nil {
		return p.validRegistration(p.readRegistrationFile()), nil
	}
	p.mu.Lock()
	if p.regLoaded {
		r := p.reg
		p.mu.Unlock()
		return p.validRegistration(r), nil
	}
	p.mu.Unlock()
	var r *registration
	raw, err := p.keyring.Get(registrationKey)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if r = p.readRegistrationFile(); r != nil {
			if data, merr := json.Marshal(r); merr == nil && p.keyring.Set(registrationKey, string(data)) == nil {
				_ = os.Remove(p.regPath)
			}
		}
	case err != nil:
		return nil, err
	default:
		r = &registration{}
		if json.Unmarshal([]byte(raw), r) != nil {
			r = nil
		}
	}
	if r != nil {
		health.Known.Add(p.s.Name+"/sso", r.ClientSecret)
	}
	p.mu.Lock()
	p.reg, p.regLoaded = r, true
	p.mu.Unlock()
	return p.validRegistration(r), nil
}

// validRegistration passes a complete registration made for this
// Identity Center instance.
func (p *Provider) validRegistration(r *registration) *registration {
	if r == nil || r.ClientID == "" || r.ClientSecret == "" {
		return nil
	}
	if r.StartURL != "" && (r.StartURL != p.s.StartURL || r.Region != p.s.Region) {
		return nil // made for another Identity Center instance
	}
	return r
}

func (p *Provider) readRegistrationFile() *registration {
	data, err := os.ReadFile(p.regPath)
	if err != nil {
		return nil
	}
	var r registration
	if json.Unmarshal(data, &r) != nil {
		return nil
	}
	return &r
}

// saveRegistration keeps our copy, in the keyring (without one: an
// owner-only file). Unchanged registrations are not rewritten. When the
// keyring refuses, the copy is kept in memory for this run.
func (p *Provider) saveRegistration(r *registration) error {
	if old := p.loadRegistration(); old != nil && old.ClientID == r.ClientID &&
		old.ExpiresAt == r.ExpiresAt && (r.Flow == "" || old.Flow == r.Flow) {
		return nil
	}
	cp := *r
	cp.StartURL, cp.Region = p.s.StartURL, p.s.Region
	data, err := json.Marshal(&cp)
	if err != nil {
		return err
	}
	if p.keyring != nil {
		p.mu.Lock()
		p.reg, p.regLoaded = &cp, true
		p.mu.Unlock()
		return p.keyring.Set(registrationKey, string(data))
	}
	if err := os.MkdirAll(filepath.Dir(p.regPath), 0o700); err != nil {
		return err
	}
	c := &cacheFile{}
	if err := json.Unmarshal(data, &c.Fields); err != nil {
		return err
	}
	return writeCache(p.regPath, c)
}

// RegistrationExpiry is when the client registration this session would
// refresh with expires (zero when none is known), so status and doctor
// can warn before the next sign-in has to renew it.
func (p *Provider) RegistrationExpiry() time.Time {
	c, _ := readCacheOnce(p.cachePath)
	reg := fileRegistration(c)
	if reg == nil {
		reg = p.loadRegistration()
	}
	if reg == nil {
		return time.Time{}
	}
	return reg.expiry()
}

// forgetRegistration drops our copy when IAM Identity Center rejected it,
// so the next sign-in registers a new client instead of failing again.
func (p *Provider) forgetRegistration(r *registration) {
	if own := p.loadRegistration(); own != nil && own.ClientID == r.ClientID {
		_ = os.Remove(p.regPath)
		if p.keyring != nil {
			p.mu.Lock()
			p.reg, p.regLoaded = nil, true
			p.mu.Unlock()
			_ = p.keyring.Delete(registrationKey)
		}
	}
}

func isInvalidClient(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_client"
}
