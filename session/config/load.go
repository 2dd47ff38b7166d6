package config

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// DefaultClockSkewTolerance is used when clock_skew_tolerance is not set.
const DefaultClockSkewTolerance = 2 * time.Minute

var topKeys = []string{"session", "clock_skew_tolerance", "aws_discover", "browser"}

// Load reads and checks the configuration file at path. When the file does
// not exist the error satisfies errors.Is(err, fs.ErrNotExist). When it
// has mistakes the error is an *Error that lists every one of them.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the configuration: %w", err)
	}
	return parse(path, string(data))
}

// Validate checks the configuration file at path (`ssokeeper config
// validate`); it returns what Load returns.
func Validate(path string) error {
	_, err := Load(path)
	return err
}

// Session returns the session called name.
func (c *Config) Session(name string) (Session, bool) {
	for _, s := range c.Sessions {
		if s.Name == name {
			return s, true
		}
	}
	return Session{}, false
}

func parse(path, text string) (*Config, error) {
	var raw map[string]any
	md, err := toml.Decode(text, &raw)
	if err != nil {
		return nil, syntaxError(path, text, err)
	}
	at := locate(text, md)
	c := &checker{file: path}
	cfg := &Config{Path: path, ClockSkewTolerance: DefaultClockSkewTolerance}

	for _, key := range byLine(raw, at.top) {
		line, v := at.top[key], raw[key]
		switch key {
		case "clock_skew_tolerance":
			if d, ok := c.duration(line, key, v); ok {
				if d <= 0 {
					c.add(line, key, "must be more than 0, e.g. \"2m\"")
				} else {
					cfg.ClockSkewTolerance = d
				}
			}
		case "aws_discover":
			if b, ok := v.(bool); ok {
				cfg.AWSDiscover = b
			} else {
				c.add(line, key, "must be true or false (without quotes)")
			}
		case "browser":
			cfg.Browser = c.browserCommand(line, key, v)
		case "session":
			if _, ok := v.([]map[string]any); !ok {
				c.add(line, key, "write each session as its own [[session]] table")
			}
		default:
			c.unknown(line, key, topKeys, "the top level")
		}
	}

	tables, _ := raw["session"].([]map[string]any)
	firstLine := map[string]int{}
	var ownPrompt []bool // per entry of cfg.Sessions: auth_params sets prompt
	for i, t := range tables {
		if i >= len(at.sessions) {
			break // cannot happen: every [[session]] table is a key
		}
		s, ok := c.session(t, at.sessions[i])
		if !ok {
			continue
		}
		if first, dup := firstLine[s.Name]; dup {
			c.add(at.sessions[i].line("name"), "name", fmt.Sprintf(
				"the name %q is already used by the session at line %d; give each session its own name",
				s.Name, first))
			continue
		}
		firstLine[s.Name] = at.sessions[i].line("name")
		cfg.Sessions = append(cfg.Sessions, s)
		ownPrompt = append(ownPrompt, setsPrompt(t))
	}
	chooseAccounts(cfg.Sessions, ownPrompt)

	if len(c.problems) > 0 {
		slices.SortStableFunc(c.problems, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
		return nil, &Error{Problems: c.problems}
	}
	return cfg, nil
}

// byLine returns the keys of m in the order they were written.
func byLine(m map[string]any, lines map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		return cmp.Or(cmp.Compare(lines[a], lines[b]), cmp.Compare(a, b))
	})
	return keys
}

// syntaxError turns the TOML parser's error into an *Error with its line.
func syntaxError(path, text string, err error) error {
	var pe toml.ParseError
	if !errors.As(err, &pe) {
		return &Error{Problems: []Problem{{File: path, Message: "cannot read the file as TOML: " + err.Error()}}}
	}
	msg := pe.Message
	lines := strings.Split(text, "\n")
	if l := pe.Position.Line; l >= 1 && l <= len(lines) && mentionsSecret(lines[l-1]) {
		// The parser quotes what it found, which could be a secret.
		msg = "a value on this line is not valid TOML"
	}
	return &Error{Problems: []Problem{{File: path, Line: pe.Position.Line,
		Message: "TOML syntax error: " + msg + "; check the quotes, brackets and = on this line"}}}
}

func mentionsSecret(line string) bool {
	l := strings.ToLower(line)
	for _, w := range []string{"secret", "password", "token", "key"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

// checker collects problems while reading one file.
type checker struct {
	file     string
	problems []Problem
}

func (c *checker) add(line int, field, msg string) {
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Field: field, Message: msg})
}

func (c *checker) unknown(line int, key string, known []string, what string) {
	msg := "unknown key"
	if s := suggest(key, known); s != "" {
		msg += "; did you mean " + s + "?"
	} else {
		msg += fmt.Sprintf(" in %s; the known ones are %s", what, strings.Join(known, ", "))
	}
	c.add(line, key, msg)
}

func (c *checker) duration(line int, key string, v any) (time.Duration, bool) {
	s, ok := v.(string)
	if !ok {
		c.add(line, key, "must be a duration in quotes, e.g. \"5m\" or \"12h\"")
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		c.add(line, key, fmt.Sprintf("%q is not a duration; write e.g. \"90s\", \"5m\" or \"12h\"", s))
		return 0, false
	}
	if d < 0 {
		c.add(line, key, "must not be negative")
		return 0, false
	}
	return d, true
}
