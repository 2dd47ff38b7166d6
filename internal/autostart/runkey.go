package autostart

import (
	"errors"
	"strings"
)

// runKeyPath is where Windows finds the programs to start at a user's login.
const runKeyPath = `Software\Microsoft\Windows\CurrentVersion\Run`

// runValueName names our value under the Run key.
const runValueName = "ssokeeper"

// runKey is the part of HKCU\...\Run that autostart uses; tests fake it.
type runKey interface {
	// Get returns the value; ok is false when it does not exist.
	Get(name string) (value string, ok bool, err error)
	Set(name, value string) error
	// Delete removes the value; an absent value is not an error.
	Delete(name string) error
}

// runValue is the Windows Run registry value.
type runValue struct{ key runKey }

func (r runValue) where() string { return `HKCU\` + runKeyPath + `\` + runValueName }

func (r runValue) write(exe string) error {
	want := `"` + exe + `"` // quoted, or a path with spaces would be split
	if got, ok, err := r.key.Get(runValueName); err == nil && ok && got == want {
		return nil
	}
	return r.key.Set(runValueName, want)
}

func (r runValue) remove() error { return r.key.Delete(runValueName) }

func (r runValue) read() (command, program string, found bool, err error) {
	v, ok, err := r.key.Get(runValueName)
	if err != nil || !ok {
		return "", "", false, err
	}
	prog, err := runProgram(v)
	return v, prog, true, err
}

// runProgram returns the program of a Run command line: the quoted first
// word, or everything up to the first space when unquoted.
func runProgram(cmd string) (string, error) {
	cmd = strings.TrimSpace(cmd)
	if rest, ok := strings.CutPrefix(cmd, `"`); ok {
		prog, _, closed := strings.Cut(rest, `"`)
		if !closed {
			return "", errors.New("the command has an unclosed quote")
		}
		return prog, nil
	}
	prog, _, _ := strings.Cut(cmd, " ")
	if prog == "" {
		return "", errors.New("the command is empty")
	}
	return prog, nil
}
