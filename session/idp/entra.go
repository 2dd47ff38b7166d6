package idp

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokeeper/ssokeeper/session/config"
)

// Microsoft's model of Entra ID issuers (v2.0 endpoint), from its OpenID
// configuration documents and ID tokens:
//
//   - a tenant named by its ID: the issuer is
//     https://login.microsoftonline.com/{tenant ID}/v2.0;
//   - a tenant named by a domain (contoso.onmicrosoft.com): the document
//     names the same issuer, with the tenant's ID, not the domain;
//   - common and organizations: the document names the template
//     https://login.microsoftonline.com/{tenantid}/v2.0, and each ID
//     token's iss is that template filled with the token's tid claim;
//   - consumers: every personal account lives in tenant ConsumersTenantID.
//
// go-oidc checks the issuer for exact equality (coreos/go-oidc#344), so an
// entra session reads discovery with oidc.InsecureIssuerURLContext and
// checks the issuer by these rules instead: same scheme and host as the
// configured issuer, path /{tenant ID}/v2.0, the tenant ID a GUID.

// ConsumersTenantID is the tenant of all personal Microsoft accounts.
const ConsumersTenantID = "9188040d-6c67-4c5b-b112-36a304b66dad"

const tenantTemplate = "{tenantid}"

var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// EntraTenant is an Entra session's tenant as discovery resolved it.
type EntraTenant struct {
	// Name is the tenant as the configuration names it: an ID, a domain,
	// common, organizations or consumers.
	Name string
	// ID is the tenant's ID (a GUID); "" for common and organizations,
	// where the signed-in account's tenant (its tid claim) decides, and
	// for an issuer outside this model that its document names exactly.
	ID string
	// issuer is the tenant's issuer; the template with {tenantid} when
	// multi.
	issuer string
	multi  bool // common or organizations
}

// Issuer is the issuer the tenant's ID tokens carry; for common and
// organizations, the template with {tenantid}.
func (t EntraTenant) Issuer() string { return t.issuer }

// Multi reports whether each account's own tenant signs its ID tokens
// (common, organizations).
func (t EntraTenant) Multi() bool { return t.multi }

// ResolveEntraTenant checks the issuer an Entra OpenID configuration
// names (discovered) against the configured issuer, by Microsoft's rules.
func ResolveEntraTenant(configured, discovered string) (EntraTenant, error) {
	cu, cerr := url.Parse(configured)
	du, derr := url.Parse(discovered)
	tenant, ok := v2Tenant(cu, cerr)
	if discovered == configured && !strings.Contains(discovered, tenantTemplate) {
		// Named exactly as its document names it (a tenant ID, or an
		// Entra flavour outside this model): the plain check holds.
		t := EntraTenant{Name: tenant, issuer: discovered}
		if ok && guid.MatchString(tenant) {
			t.ID = tenant
		}
		return t, nil
	}
	if !ok {
		return EntraTenant{}, fmt.Errorf("%s is not an Entra v2.0 issuer (https://login.microsoftonline.com/TENANT/v2.0); set tenant instead of issuer", configured)
	}
	found, ok := v2Tenant(du, derr)
	if !ok || du.Scheme != cu.Scheme || !strings.EqualFold(du.Host, cu.Host) {
		return EntraTenant{}, fmt.Errorf("the OpenID configuration of %s names the issuer %q, which is not an Entra tenant's issuer (%s://%s/TENANT-ID/v2.0); check tenant in the configuration",
			configured, discovered, cu.Scheme, cu.Host)
	}
	multi := strings.EqualFold(tenant, "common") || strings.EqualFold(tenant, "organizations")
	consumers := strings.EqualFold(tenant, "consumers")
	t := EntraTenant{Name: tenant, issuer: discovered}
	switch {
	case found == tenantTemplate && multi:
		t.multi = true
		return t, nil
	case found == tenantTemplate && consumers:
		t.ID = ConsumersTenantID
	case !guid.MatchString(found):
		// a template where one tenant was named, or any other word
	case consumers:
		if strings.EqualFold(found, ConsumersTenantID) {
			t.ID = found
		}
	case guid.MatchString(tenant):
		if strings.EqualFold(found, tenant) {
			t.ID = found
		}
	case !multi: // a domain: discovery names its ID
		t.ID = found
	}
	if t.ID == "" {
		return EntraTenant{}, fmt.Errorf("the OpenID configuration of %s names the issuer %q, which is not tenant %q's; check tenant in the configuration",
			configured, discovered, tenant)
	}
	t.issuer = du.Scheme + "://" + du.Host + "/" + t.ID + "/v2.0"
	return t, nil
}

// v2Tenant returns TENANT of an issuer https://HOST/TENANT/v2.0.
func v2Tenant(u *url.URL, err error) (string, bool) {
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	parts := strings.Split(u.Path, "/")
	if len(parts) != 3 || parts[0] != "" || parts[1] == "" || parts[2] != "v2.0" {
		return "", false
	}
	return parts[1], true
}

// check is the part of the issuer check go-oidc cannot do: the ID token's
// tid names a tenant, and iss is that tenant's issuer (and this session's).
func (t EntraTenant) check(id *oidc.IDToken) error {
	var c struct {
		TID string `json:"tid"`
	}
	if err := id.Claims(&c); err != nil {
		return err
	}
	want := t.issuer
	switch {
	case t.multi:
		if c.TID == "" {
			return fmt.Errorf("it has no tenant ID (tid claim) to check its issuer %q against", id.Issuer)
		}
		if !guid.MatchString(c.TID) {
			return fmt.Errorf("its tid claim %q is not a tenant ID", c.TID)
		}
		want = strings.Replace(t.issuer, tenantTemplate, c.TID, 1)
	case c.TID != "" && !strings.EqualFold(c.TID, t.ID):
		return fmt.Errorf("it is for tenant %q, not this session's tenant %s", c.TID, t.ID)
	}
	if id.Issuer != want {
		return fmt.Errorf("its issuer %q is not its tenant's issuer %q", id.Issuer, want)
	}
	return nil
}

// entraSignInHint says how to fix a sign-in Entra refused because of the
// configuration. organizations, the default tenant, works only for an app
// registration that accepts accounts of any organisation (AADSTS50194).
func entraSignInHint(s config.Session, refusal string) string {
	if s.Provider != "entra" || !strings.Contains(refusal, "AADSTS50194") {
		return ""
	}
	return fmt.Sprintf(`; the app registration accepts only its own tenant's accounts, so tenant %q cannot be used: set tenant to your tenant's domain or ID, e.g. tenant = "contoso.onmicrosoft.com"`, s.Tenant)
}
