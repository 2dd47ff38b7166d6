package autostart

import (
	"errors"
	"strings"
	"testing"
)

// fakeRunKey is an in-memory Run key that counts writes.
type fakeRunKey struct {
	values map[string]string
	sets   int
	err    error
}

func (f *fakeRunKey) Get(name string) (string, bool, error) {
	v, ok := f.values[name]
	return v, ok, f.err
}

func (f *fakeRunKey) Set(name, value string) error {
	if f.err != nil {
		return f.err
	}
	f.sets++
	f.values[name] = value
	return nil
}

func (f *fakeRunKey) Delete(name string) error {
	delete(f.values, name)
	return f.err
}

func TestWindowsRunValue(t *testing.T) {
	reg := &fakeRunKey{values: map[string]string{"Other": "x.exe"}}
	exe := `C:\Program Files\ssokeeper\ssokeeper.exe`
	m := mustManager(t, "windows", `C:\Users\a`, "", exe, reg)
	st := mustStatus(t, m)
	if st.Installed || st.Path != `HKCU\Software\Microsoft\Windows\CurrentVersion\Run\ssokeeper` {
		t.Fatalf("before: %+v", st)
	}
	for range 2 {
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
	}
	if got := reg.values["ssokeeper"]; got != `"`+exe+`"` {
		t.Fatalf("Run value = %s", got)
	}
	if reg.sets != 1 || len(reg.values) != 2 {
		t.Fatalf("sets = %d, values = %v: want one write and the other value kept", reg.sets, reg.values)
	}
	if on, err := m.Enabled(); err != nil || !on {
		t.Fatalf("Enabled() = %v, %v", on, err)
	}
	for range 2 {
		if err := m.SetEnabled(false); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := reg.values["ssokeeper"]; ok || reg.values["Other"] != "x.exe" {
		t.Fatalf("after disable: %v", reg.values)
	}
}

func TestWindowsStaleAndCase(t *testing.T) {
	reg := &fakeRunKey{values: map[string]string{}}
	m := mustManager(t, "windows", `C:\Users\a`, "", `C:\Tools\ssokeeper.exe`, reg)
	// Windows paths ignore case, and an unquoted value with arguments is valid.
	reg.values["ssokeeper"] = `c:\tools\SSOKEEPER.EXE --flag`
	if st := mustStatus(t, m); !st.PointsHere {
		t.Fatalf("same path in other case: %+v", st)
	}
	reg.values["ssokeeper"] = `"C:\Old\ssokeeper.exe"`
	st := mustStatus(t, m)
	if !st.Installed || st.PointsHere || !strings.Contains(st.String(), `C:\Old\ssokeeper.exe`) {
		t.Fatalf("stale: %+v", st)
	}
}

func TestWindowsRegistryError(t *testing.T) {
	reg := &fakeRunKey{values: map[string]string{}, err: errors.New("Access is denied.")}
	m := mustManager(t, "windows", `C:\Users\a`, "", `C:\ssokeeper.exe`, reg)
	err := m.Enable()
	if err == nil || !strings.Contains(err.Error(), `CurrentVersion\Run`) || !strings.Contains(err.Error(), "denied") {
		t.Fatalf("err = %v, want the key and the cause", err)
	}
	if _, err := m.Status(); err == nil {
		t.Fatal("Status: want the registry error")
	}
}

func TestRunProgram(t *testing.T) {
	for in, want := range map[string]string{
		`"C:\a b\s.exe" --x`: `C:\a b\s.exe`,
		`C:\s.exe /min`:      `C:\s.exe`,
		`  C:\s.exe`:         `C:\s.exe`,
	} {
		if got, err := runProgram(in); err != nil || got != want {
			t.Errorf("runProgram(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{`"C:\unclosed`, "   "} {
		if _, err := runProgram(bad); err == nil {
			t.Errorf("runProgram(%q): want an error", bad)
		}
	}
}
