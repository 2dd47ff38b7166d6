package config

import (
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// BurntSushi/toml v1.6 keeps key positions private, so the lines are found
// here: its MetaData lists the keys in file order, and each is looked up in
// the text from where the previous one was found. Comments and string
// contents are blanked first so that they cannot match.

// places holds the line of every key of the file.
type places struct {
	top      map[string]int // top-level key → line
	sessions []sessionPlaces
}

type sessionPlaces struct {
	header int            // line of [[session]]
	keys   map[string]int // "client_id", "auth_params.audience" → line
}

// line returns where key was written in the session, else its header.
func (s sessionPlaces) line(key string) int {
	if l, ok := s.keys[key]; ok {
		return l
	}
	return s.header
}

func locate(text string, md toml.MetaData) places {
	f := finder{lines: strings.Split(mask(text), "\n")}
	p := places{top: map[string]int{}}
	for _, k := range md.Keys() {
		line := f.find(k[len(k)-1])
		switch {
		case len(k) == 1 && k[0] == "session" && md.Type(k...) == "ArrayHash":
			p.sessions = append(p.sessions, sessionPlaces{header: line, keys: map[string]int{}})
		case k[0] == "session" && len(k) > 1 && len(p.sessions) > 0:
			s := p.sessions[len(p.sessions)-1]
			if _, ok := s.keys[k[1]]; !ok {
				s.keys[k[1]] = line
			}
			if len(k) > 2 {
				s.keys[k[1]+"."+k[2]] = line
			}
		case len(k) == 1:
			p.top[k[0]] = line
		}
	}
	return p
}

type finder struct {
	lines []string
	cur   int // index of the line where the last key was found
}

// find returns the 1-based line of the next definition of key: key = …,
// key.sub = …, [key], [[key]], [parent.key], { key = … }.
func (f *finder) find(key string) int {
	re := regexp.MustCompile(`(^|[\s\[{,.])"?` + regexp.QuoteMeta(key) + `"?\s*[=.\]]`)
	for i := f.cur; i < len(f.lines); i++ {
		if re.MatchString(f.lines[i]) {
			f.cur = i
			return i + 1
		}
	}
	return f.cur + 1
}

// mask blanks comments and the contents of strings, keeping line breaks,
// so only keys and structure are left to search. A quoted key (a string
// followed by = or .) is kept.
func mask(text string) string {
	b := []byte(text)
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == '#':
			for ; i < len(b) && b[i] != '\n'; i++ {
				b[i] = ' '
			}
		case strings.HasPrefix(text[i:], `"""`) || strings.HasPrefix(text[i:], `'''`):
			i = blank(b, text, i+3, text[i:i+3], text[i] == '"')
		case b[i] == '"' || b[i] == '\'':
			end := blank(b, text, i+1, text[i:i+1], b[i] == '"')
			if isKey(text[end+1:]) {
				copy(b[i:end+1], text[i:end+1])
			}
			i = end
		}
	}
	return string(b)
}

// blank replaces string contents from start up to the closing quote with
// spaces and returns the index of the closing quote's last byte.
func blank(b []byte, text string, start int, quote string, escapes bool) int {
	for i := start; i < len(b); i++ {
		switch {
		case escapes && b[i] == '\\' && i+1 < len(b):
			b[i] = ' '
			i++
			if b[i] != '\n' {
				b[i] = ' '
			}
		case strings.HasPrefix(text[i:], quote):
			return i + len(quote) - 1
		case b[i] != '\n':
			b[i] = ' '
		}
	}
	return len(b) - 1
}

func isKey(rest string) bool {
	rest = strings.TrimLeft(rest, " \t")
	return strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, ".")
}
