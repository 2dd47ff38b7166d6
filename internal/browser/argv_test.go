package browser

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"firefox -P work", []string{"firefox", "-P", "work"}},
		{`chromium --profile-directory="Profile 2"`, []string{"chromium", "--profile-directory=Profile 2"}},
		{`open -a "Google Chrome"`, []string{"open", "-a", "Google Chrome"}},
		{`  firefox   --new-tab  `, []string{"firefox", "--new-tab"}},
		{`sh -c 'echo $HOME; rm -rf ~'`, []string{"sh", "-c", "echo $HOME; rm -rf ~"}}, // nothing expanded
		{`a\ b "c\"d" "e\f" ''`, []string{"a b", `c"d`, `e\f`, ""}},
		{`/opt/My\ Browser/bin/browser`, []string{"/opt/My Browser/bin/browser"}},
		{`x"y z"w`, []string{"xy zw"}},
	} {
		got, err := Split(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "   ", `firefox "Profile 2`, `firefox 'x`, `firefox \`} {
		if got, err := Split(bad); err == nil {
			t.Errorf("Split(%q) = %q, want an error", bad, got)
		}
	}
}

func TestContainerURL(t *testing.T) {
	target := "https://id.example.com/authorize?client_id=a&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2F&state=x y"
	got := ContainerURL("Work & Co", target)
	rest, ok := strings.CutPrefix(got, "ext+container:")
	if !ok {
		t.Fatalf("%q lacks the ext+container: scheme", got)
	}
	if !strings.HasPrefix(rest, "name=") {
		t.Errorf("%q: name should come first", got)
	}
	q, err := url.ParseQuery(rest)
	if err != nil {
		t.Fatal(err)
	}
	if q.Get("name") != "Work & Co" || q.Get("url") != target || len(q) != 2 {
		t.Errorf("the extension would read %v, want name and the whole sign-in URL", q)
	}
}

func TestTargetOpenNamesTheConfiguredCommand(t *testing.T) {
	err := Target{Command: []string{"/nonexistent/ssokeeper-test-browser", "-P", "work"}}.Open("http://127.0.0.1:1/")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/ssokeeper-test-browser") || !strings.Contains(err.Error(), "browser in the configuration") {
		t.Errorf("a missing browser command: %v; want its path and where it was set", err)
	}
}
