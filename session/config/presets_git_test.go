package config

import (
	"slices"
	"strings"
	"testing"
)

func TestGitPresets(t *testing.T) {
	tests := []struct {
		name, toml string
		issuer     string
		scopes     []string
		secret     bool
		hosts      []string
	}{
		{"github browser", `provider = "github"
client_id = "Iv23li"`, GitHubBase, nil, true, []string{"github.com"}},
		{"github device needs no secret", `provider = "github"
client_id = "Iv23li"
flow = "device"`, GitHubBase, nil, false, []string{"github.com"}},
		{"github enterprise server", `provider = "github"
base_url = "https://GHE.example.com/"
client_id = "Iv23li"
client_secret = false
hosts = ["git.example.com"]`, "https://GHE.example.com", nil, false, []string{"git.example.com"}},
		{"gitlab.com", `provider = "gitlab"
client_id = "abc"`, GitLabBase, []string{"openid", "read_repository", "write_repository"}, false, []string{"gitlab.com"}},
		{"gitlab self-managed", `provider = "gitlab"
base_url = "https://gitlab.example.com"
client_id = "abc"
scopes = ["openid", "api"]`, "https://gitlab.example.com", []string{"openid", "api"}, false, []string{"gitlab.example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustLoad(t, "[[session]]\nname = \"w\"\n"+tt.toml+"\n").Sessions[0]
			if s.Issuer != tt.issuer || !slices.Equal(s.Scopes, tt.scopes) || s.ClientSecret != tt.secret || !slices.Equal(s.Hosts, tt.hosts) {
				t.Errorf("got issuer %q scopes %q secret %v hosts %q, want %q %q %v %q",
					s.Issuer, s.Scopes, s.ClientSecret, s.Hosts, tt.issuer, tt.scopes, tt.secret, tt.hosts)
			}
		})
	}
	_, probs := problems(t, "[[session]]\nname = \"w\"\nprovider = \"gitlab\"\nbase_url = \"http://gitlab.example.com\"\nclient_id = \"abc\"\n")
	if len(probs) != 1 || probs[0].Field != "base_url" || !strings.Contains(probs[0].Message, "plain http") {
		t.Errorf("plain-http base_url: %+v", probs)
	}
}
