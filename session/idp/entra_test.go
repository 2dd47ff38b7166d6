package idp

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/ssokeeper/ssokeeper/session/config"
)

// TestResolveEntraTenant: the issuer check follows Microsoft's discovery
// documents for each way of naming a tenant, and refuses everything else.
func TestResolveEntraTenant(t *testing.T) {
	const (
		ms   = "https://login.microsoftonline.com/"
		tid  = "72f988bf-86f1-41af-91ab-2d7cd011db47"
		tmpl = ms + "{tenantid}/v2.0"
	)
	ok := []struct {
		configured, discovered, id, issuer string
	}{
		{ms + tid + "/v2.0", ms + tid + "/v2.0", tid, ms + tid + "/v2.0"},
		{ms + strings.ToUpper(tid) + "/v2.0", ms + tid + "/v2.0", tid, ms + tid + "/v2.0"},
		{ms + "contoso.onmicrosoft.com/v2.0", ms + tid + "/v2.0", tid, ms + tid + "/v2.0"},
		{ms + "contoso.com/v2.0", ms + tid + "/v2.0", tid, ms + tid + "/v2.0"},
		{ms + "common/v2.0", tmpl, "", tmpl},
		{ms + "organizations/v2.0", tmpl, "", tmpl},
		{ms + "consumers/v2.0", ms + ConsumersTenantID + "/v2.0", ConsumersTenantID, ms + ConsumersTenantID + "/v2.0"},
		{ms + "consumers/v2.0", tmpl, ConsumersTenantID, ms + ConsumersTenantID + "/v2.0"},
		// an Entra flavour outside the model, named exactly as its document names it
		{"https://contoso.b2clogin.com/" + tid + "/v2.0/", "https://contoso.b2clogin.com/" + tid + "/v2.0/", "", "https://contoso.b2clogin.com/" + tid + "/v2.0/"},
		// sovereign clouds keep their own host
		{"https://login.microsoftonline.us/contoso.us/v2.0", "https://login.microsoftonline.us/" + tid + "/v2.0", tid, "https://login.microsoftonline.us/" + tid + "/v2.0"},
	}
	for _, c := range ok {
		got, err := ResolveEntraTenant(c.configured, c.discovered)
		if err != nil || got.ID != c.id || got.Issuer() != c.issuer {
			t.Errorf("%s with %s: got %+v, %v; want ID %q issuer %q", c.configured, c.discovered, got, err, c.id, c.issuer)
		}
	}
	bad := []struct{ configured, discovered, why string }{
		{ms + "contoso.onmicrosoft.com/v2.0", "https://evil.example/" + tid + "/v2.0", "not an Entra tenant's issuer"},
		{ms + "contoso.onmicrosoft.com/v2.0", "http://login.microsoftonline.com/" + tid + "/v2.0", "not an Entra tenant's issuer"},
		{ms + "contoso.onmicrosoft.com/v2.0", ms + tid + "/v2.0/", "not an Entra tenant's issuer"},
		{ms + "contoso.onmicrosoft.com/v2.0", ms + tid, "not an Entra tenant's issuer"},
		{ms + "contoso.onmicrosoft.com/v2.0", ms + tid + "/x/v2.0", "not an Entra tenant's issuer"},
		{ms + "contoso.onmicrosoft.com/v2.0", ms + "contoso.onmicrosoft.com/v2.0x", "not an Entra tenant's issuer"},
		{ms + "contoso.onmicrosoft.com/v2.0", tmpl, "not tenant \"contoso.onmicrosoft.com\"'s"},
		{ms + "contoso.onmicrosoft.com/v2.0", ms + "not-a-guid/v2.0", "not tenant"},
		{ms + tid + "/v2.0", ms + ConsumersTenantID + "/v2.0", "not tenant"},
		{ms + tid + "/v2.0", tmpl, "not tenant"},
		{ms + "consumers/v2.0", ms + tid + "/v2.0", "not tenant"},
		{ms + "common/v2.0", ms + tid + "/v2.0", "not tenant"},
		{ms + "organizations/v2.0", ms + "{tenant}/v2.0", "not tenant"},
		{"https://id.example.com/realms/main", ms + tid + "/v2.0", "not an Entra v2.0 issuer"},
	}
	for _, c := range bad {
		_, err := ResolveEntraTenant(c.configured, c.discovered)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("%s with %s: err = %v, want %q", c.configured, c.discovered, err, c.why)
		}
	}
}

// TestEntraTenantCheck: after the signature check, an ID token's iss must
// be the tenant's issuer, and through common/organizations the one its
// own tid names (a GUID, not a path).
func TestEntraTenantCheck(t *testing.T) {
	const (
		ms    = "https://login.microsoftonline.com/"
		tid   = "72f988bf-86f1-41af-91ab-2d7cd011db47"
		other = "00000000-1111-2222-3333-444444444444"
	)
	multi, err := ResolveEntraTenant(ms+"common/v2.0", ms+"{tenantid}/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := ResolveEntraTenant(ms+"contoso.onmicrosoft.com/v2.0", ms+tid+"/v2.0")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		tenant  EntraTenant
		iss     string
		claims  map[string]any
		refused string // "" when accepted
	}{
		{"common, own tenant", multi, ms + tid + "/v2.0", map[string]any{"tid": tid}, ""},
		{"common, personal account", multi, ms + ConsumersTenantID + "/v2.0", map[string]any{"tid": ConsumersTenantID}, ""},
		{"common, no tid", multi, ms + tid + "/v2.0", nil, "no tenant ID"},
		{"common, tid not a GUID", multi, ms + "x/../" + tid + "/v2.0", map[string]any{"tid": "x/../" + tid}, "is not a tenant ID"},
		{"common, iss of another tenant", multi, ms + other + "/v2.0", map[string]any{"tid": tid}, "is not its tenant's issuer"},
		{"common, foreign host", multi, "https://login.evil.example/" + tid + "/v2.0", map[string]any{"tid": tid}, "is not its tenant's issuer"},
		{"domain, its tenant", pinned, ms + tid + "/v2.0", map[string]any{"tid": tid}, ""},
		{"domain, no tid", pinned, ms + tid + "/v2.0", nil, ""},
		{"domain, another tenant's tid", pinned, ms + tid + "/v2.0", map[string]any{"tid": other}, "not this session's tenant"},
	} {
		err := c.tenant.check(idToken(t, c.iss, c.claims))
		if c.refused == "" && err != nil || c.refused != "" && (err == nil || !strings.Contains(err.Error(), c.refused)) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.refused)
		}
	}
}

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func signingKey(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return testKey
}

// idToken signs a token with iss and claims and parses it as go-oidc
// does after the signature check.
func idToken(t *testing.T, iss string, claims map[string]any) *oidc.IDToken {
	t.Helper()
	key := signingKey(t)
	body := map[string]any{"iss": iss, "aud": "c", "sub": "s", "exp": time.Now().Add(time.Hour).Unix()}
	for k, v := range claims {
		body[k] = v
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(body)
	sum := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	v := oidc.NewVerifier("", &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{key.Public()}},
		&oidc.Config{ClientID: "c", SkipIssuerCheck: true})
	id, err := v.Verify(context.Background(), signed+"."+base64.RawURLEncoding.EncodeToString(sig))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestEntraSingleTenantApp: Entra refuses organizations and common for a
// single-tenant app registration; the error says which tenant to set.
func TestEntraSingleTenantApp(t *testing.T) {
	p, err := New(config.Session{Name: "work", Provider: "entra", Tenant: "organizations",
		Issuer: "https://login.microsoftonline.com/organizations/v2.0", ClientID: "c"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := &callback{p: p}
	_, err = c.redeem(map[string][]string{"error": {"invalid_request"}, "error_description": {
		"AADSTS50194: Application 'c'(ssokeeper) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant."}})
	if err == nil || !strings.Contains(err.Error(), `tenant "organizations" cannot be used: set tenant to your tenant's domain or ID`) {
		t.Errorf("err = %v", err)
	}
}
