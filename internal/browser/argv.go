package browser

import (
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"
)

// Split splits a browser command into its arguments the way a POSIX shell
// would, without running one: blanks separate words, 'single quotes' keep
// everything literally, "double quotes" keep blanks and honour \" \\ \$ \`,
// and a backslash outside quotes escapes the next character. Nothing is
// expanded ($HOME, ~, globs): the command is run directly.
func Split(cmd string) ([]string, error) {
	var (
		args    []string
		word    strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range cmd {
		switch {
		case escaped:
			if quote == '"' && !strings.ContainsRune("\"\\$`", r) {
				word.WriteRune('\\') // inside "…", other backslashes stay
			}
			word.WriteRune(r)
			escaped, inWord = false, true
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				args = append(args, word.String())
				word.Reset()
				inWord = false
			}
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	switch {
	case escaped:
		return nil, errors.New("ends with a lone backslash")
	case quote != 0:
		return nil, fmt.Errorf("has an unclosed %c quote", quote)
	}
	if inWord {
		args = append(args, word.String())
	}
	if len(args) == 0 {
		return nil, errors.New("is empty")
	}
	return args, nil
}

// ContainerURL wraps target in the ext+container: form understood by the
// Firefox extension "Open external links in a container"
// (honsiorovskyi/open-url-in-container), so it opens in that container.
func ContainerURL(container, target string) string {
	// name first, as the extension's own examples write it; both escaped,
	// since the sign-in URL carries its own & and =.
	return "ext+container:name=" + url.QueryEscape(container) + "&url=" + url.QueryEscape(target)
}

// Target says how to show a URL: a command (nil: $BROWSER or the desktop's
// default) and an optional Firefox container.
type Target struct {
	Command   []string
	Container string
}

// Open opens u as t says. A container without a command runs "firefox":
// only Firefox understands ext+container: URLs.
func (t Target) Open(u string) error {
	cmd := t.Command
	if t.Container != "" {
		u = ContainerURL(t.Container, u)
		if len(cmd) == 0 {
			cmd = []string{"firefox"}
		}
	}
	if len(cmd) == 0 {
		return Open(u)
	}
	if err := OpenWith(cmd, u); err != nil {
		if len(t.Command) == 0 {
			return fmt.Errorf("%w (firefox_container needs Firefox; or set browser to the Firefox command)", err)
		}
		return fmt.Errorf("%w (the command set by browser in the configuration)", err)
	}
	return nil
}

// OpenWith runs argv with u appended as its last argument, without a
// shell.
func OpenWith(argv []string, u string) error {
	if len(argv) == 0 {
		return Open(u)
	}
	return start(exec.Command(argv[0], append(argv[1:len(argv):len(argv)], u)...))
}
