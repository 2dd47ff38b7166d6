package awssso

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/oauth2"
)

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
func (p *Provider) pickRegistration(c *cacheFile, refreshToken string) *registration {
	fromFile := fileRegistration(c)
	if fromFile != nil && c.str("refreshToken") == refreshToken {
		return fromFile
	}
	if own := p.loadRegistration(); own != nil {
		return own
	}
	return fromFile
}

func (p *Provider) loadRegistration() *registration {
	data, err := os.ReadFile(p.regPath)
	if err != nil {
		return nil
	}
	var r registration
	if json.Unmarshal(data, &r) != nil || r.ClientID == "" || r.ClientSecret == "" {
		return nil
	}
	if r.StartURL != "" && (r.StartURL != p.s.StartURL || r.Region != p.s.Region) {
		return nil // made for another Identity Center instance
	}
	return &r
}

// saveRegistration keeps our copy (owner-only, like the AWS CLI's file).
// Unchanged registrations are not rewritten.
func (p *Provider) saveRegistration(r *registration) error {
	if old := p.loadRegistration(); old != nil && old.ClientID == r.ClientID &&
		old.ExpiresAt == r.ExpiresAt && (r.Flow == "" || old.Flow == r.Flow) {
		return nil
	}
	r.StartURL, r.Region = p.s.StartURL, p.s.Region
	data, err := json.Marshal(r)
	if err != nil {
		return err
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
	}
}

func isInvalidClient(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_client"
}
