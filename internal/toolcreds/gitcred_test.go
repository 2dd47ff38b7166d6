package toolcreds

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ssokeeper/ssokeeper/session/config"
)

func TestReadGitRequest(t *testing.T) {
	in := "capability[]=authtype\nprotocol=HTTPS\nhost=Git.Example.com:8443\npath=group/repo.git\r\nusername=alice\nwwwauth[]=Basic realm=\"x\"\n\nprotocol=ignored\n"
	got, err := ReadGitRequest(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := GitRequest{Protocol: "https", Host: "git.example.com:8443", Path: "group/repo.git", Username: "alice"}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	// The end of input ends a request as a blank line does.
	got, err = ReadGitRequest(strings.NewReader("protocol=https\nhost=h"))
	if err != nil || got.Host != "h" {
		t.Errorf("got %+v, %v", got, err)
	}
	if _, err := ReadGitRequest(strings.NewReader("protocol=https\nsecret-looking-line\n\n")); err == nil ||
		strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v: want one that does not repeat the line", err)
	}
}

func TestMatchGitHost(t *testing.T) {
	sessions := []config.Session{
		{Name: "work", Hosts: []string{"git.example.com", "gitlab.example.com:8443"}},
		{Name: "local", Hosts: []string{"127.0.0.1:3000", "localhost:3000", "[::1]:3000", "lan.example.com"}},
		{Name: "later", Hosts: []string{"git.example.com"}},
	}
	tests := []struct {
		name string
		req  GitRequest
		want string // "" means no match
	}{
		{"https host", GitRequest{Protocol: "https", Host: "git.example.com"}, "work"},
		{"first session wins", GitRequest{Protocol: "https", Host: "git.example.com"}, "work"},
		{"host with port", GitRequest{Protocol: "https", Host: "gitlab.example.com:8443"}, "work"},
		{"port must match", GitRequest{Protocol: "https", Host: "gitlab.example.com"}, ""},
		{"case-insensitive", GitRequest{Protocol: "https", Host: "GIT.example.COM"}, "work"},
		{"unknown host", GitRequest{Protocol: "https", Host: "github.com"}, ""},
		{"http to a remote host never", GitRequest{Protocol: "http", Host: "git.example.com"}, ""},
		{"http to lan host never", GitRequest{Protocol: "http", Host: "lan.example.com"}, ""},
		{"http to 127.0.0.1", GitRequest{Protocol: "http", Host: "127.0.0.1:3000"}, "local"},
		{"http to localhost", GitRequest{Protocol: "http", Host: "localhost:3000"}, "local"},
		{"http to ::1", GitRequest{Protocol: "http", Host: "[::1]:3000"}, "local"},
		{"ssh never", GitRequest{Protocol: "ssh", Host: "git.example.com"}, ""},
		{"no host", GitRequest{Protocol: "https"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ok := MatchGitHost(tt.req, sessions)
			if ok != (tt.want != "") || s.Name != tt.want {
				t.Errorf("got %q, %v; want %q", s.Name, ok, tt.want)
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:80": true, "127.1.2.3:9": true, "localhost": true, "LOCALHOST:1": true,
		"[::1]:3000": true, "::1": true,
		"10.0.0.1": false, "localhost.example.com": false, "git.example.com:443": false, "": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestGitUsername(t *testing.T) {
	if got := GitUsername(GitRequest{}); got != "oauth2" {
		t.Errorf("default user %q", got)
	}
	if got := GitUsername(GitRequest{Username: "x-token-auth"}); got != "x-token-auth" {
		t.Errorf("URL user %q", got)
	}
}

func TestWriteGitCredential(t *testing.T) {
	var b bytes.Buffer
	exp := time.Unix(1800000000, 0)
	if err := WriteGitCredential(&b, "oauth2", "tok", exp); err != nil {
		t.Fatal(err)
	}
	if want := "username=oauth2\npassword=tok\npassword_expiry_utc=1800000000\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := WriteGitCredential(&b, "oauth2", "tok", time.Time{}); err != nil || b.String() != "username=oauth2\npassword=tok\n" {
		t.Errorf("without expiry: %q, %v", b.String(), err)
	}
	b.Reset()
	// A value with a line break would inject keys into git's input.
	if err := WriteGitCredential(&b, "oauth2", "tok\nusername=evil", exp); err == nil || b.Len() != 0 || strings.Contains(err.Error(), "evil") {
		t.Errorf("line break: wrote %q, err %v", b.String(), err)
	}
}
