package idp

import (
	"strings"
	"testing"
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
