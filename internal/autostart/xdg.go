package autostart

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strings"
)

// xdgEntry is an XDG autostart entry: a desktop file in ~/.config/autostart
// (https://specifications.freedesktop.org/autostart-spec/latest/).
type xdgEntry struct{ file string }

func (x xdgEntry) where() string { return x.file }

func (x xdgEntry) write(exe string) error {
	return writeFile(x.file, []byte(desktopEntry(exe)))
}

func (x xdgEntry) remove() error { return removeFile(x.file) }

func desktopEntry(exe string) string {
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=ssokeeper\n" +
		"Comment=Keeps your single sign-on sessions signed in\n" +
		"Exec=" + escapeString(quoteExecArg(exe)) + "\n" +
		"Icon=io.ssokeeper.ssokeeper\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

func (x xdgEntry) read() (command, program string, found bool, err error) {
	data, err := os.ReadFile(x.file)
	if errors.Is(err, os.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	kv := desktopGroup(data)
	// Hidden=true means deleted; desktops that "switch off" an entry write
	// X-GNOME-Autostart-enabled=false instead of deleting it.
	if kv["Hidden"] == "true" || kv["X-GNOME-Autostart-enabled"] == "false" {
		return "", "", false, nil
	}
	command = unescapeString(kv["Exec"])
	if command == "" {
		return "", "", false, errors.New("the entry has no Exec line")
	}
	args, err := splitExec(command)
	if err != nil {
		return command, "", true, err
	}
	return command, args[0], true, nil
}

// desktopGroup returns the keys of the [Desktop Entry] group, values still
// escaped; localised keys (Name[de]) are kept under their full name.
func desktopGroup(data []byte) map[string]string {
	kv := map[string]string{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			in = line == "[Desktop Entry]"
		case in:
			if k, v, ok := strings.Cut(line, "="); ok {
				kv[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
	}
	return kv
}

// execReserved are the characters that force quoting in an Exec argument.
const execReserved = " \t\n\"'\\><~|&;$*?#()`"

// quoteExecArg quotes one Exec argument by the Desktop Entry spec's rules:
// a literal % is %%; an argument with reserved characters goes in double
// quotes, where " ` $ and \ take a backslash.
func quoteExecArg(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if !strings.ContainsAny(s, execReserved) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if strings.ContainsRune("\"`$\\", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// splitExec is the inverse of quoteExecArg over a whole Exec value.
func splitExec(s string) ([]string, error) {
	var args []string
	var cur strings.Builder
	inArg, quoted := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case quoted && c == '"':
			quoted = false
		case c == '"':
			quoted, inArg = true, true
		case !quoted && (c == ' ' || c == '\t'):
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '%' && i+1 < len(s) && s[i+1] == '%':
			i++
			cur.WriteByte('%')
			inArg = true
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if quoted {
		return nil, errors.New("the Exec line has an unclosed quote")
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("the Exec line is empty")
	}
	return args, nil
}

// escapeString applies the escapes of a desktop file's string values.
func escapeString(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\t", `\t`, "\r", `\r`).Replace(s)
}

func unescapeString(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t", `\r`, "\r", `\s`, " ").Replace(s)
}
