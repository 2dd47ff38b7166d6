package autostart

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// decodePlist is a minimal test-side plist reader: dict → map, array →
// []any, string → string, true/false → bool.
func decodePlist(t *testing.T, data []byte) map[string]any {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			t.Fatalf("no plist dict: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "dict" {
			v, err := plistValue(d, se)
			if err != nil {
				t.Fatal(err)
			}
			return v.(map[string]any)
		}
	}
}

func plistValue(d *xml.Decoder, se xml.StartElement) (any, error) {
	switch se.Name.Local {
	case "true", "false":
		return se.Name.Local == "true", d.Skip()
	case "string":
		var s string
		err := d.DecodeElement(&s, &se)
		return s, err
	case "array", "dict":
		var items []any
		var keys []string
		for {
			tok, err := d.Token()
			if err != nil {
				return nil, err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				if t.Name.Local == "key" {
					var k string
					if err := d.DecodeElement(&k, &t); err != nil {
						return nil, err
					}
					keys = append(keys, k)
					continue
				}
				v, err := plistValue(d, t)
				if err != nil {
					return nil, err
				}
				items = append(items, v)
			case xml.EndElement:
				if se.Name.Local == "array" {
					return items, nil
				}
				if len(keys) != len(items) {
					return nil, io.ErrUnexpectedEOF
				}
				m := map[string]any{}
				for i, k := range keys {
					m[k] = items[i]
				}
				return m, nil
			}
		}
	}
	return nil, d.Skip()
}

func TestLaunchAgent(t *testing.T) {
	home := t.TempDir()
	exe := fakeExe(t, filepath.Join(home, "Apps & <Tools>", "ssokeeper.app", "Contents", "MacOS"))
	m := mustManager(t, "darwin", home, "", exe, nil)
	file := filepath.Join(home, "Library", "LaunchAgents", "io.ssokeeper.agent.plist")
	if st := mustStatus(t, m); st.Installed || st.Path != file {
		t.Fatalf("before: %+v", st)
	}
	for range 2 {
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
	}
	if got := dirNames(t, filepath.Dir(file)); !slices.Equal(got, []string{"io.ssokeeper.agent.plist"}) {
		t.Fatalf("LaunchAgents holds %v", got)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := decodePlist(t, data)
	want := map[string]any{
		"Label":            "io.ssokeeper.agent",
		"ProgramArguments": []any{exe},
		"RunAtLoad":        true,
		"KeepAlive":        false,
		"ProcessType":      "Interactive",
	}
	for k, v := range want {
		if got, ok := p[k]; !ok || !equalAny(got, v) {
			t.Errorf("%s = %#v, want %#v", k, got, v)
		}
	}
	if len(p) != len(want) {
		t.Errorf("plist has %d keys, want %d: %v", len(p), len(want), p)
	}
	if st := mustStatus(t, m); !st.Installed || !st.PointsHere || st.Command != exe {
		t.Fatalf("after enable: %+v", st)
	}

	// plistutil (libplist-utils) is a real plist parser: a round trip
	// through Apple's binary format must give the same values back.
	t.Run("plistutil", func(t *testing.T) {
		tool := requireTool(t, "plistutil")
		bin, back := filepath.Join(t.TempDir(), "a.bplist"), filepath.Join(t.TempDir(), "b.plist")
		for _, args := range [][]string{{"-i", file, "-o", bin, "-f", "bin"}, {"-i", bin, "-o", back, "-f", "xml"}} {
			if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil || len(out) > 0 {
				t.Fatalf("plistutil %v: %v\n%s", args, err, out)
			}
		}
		data, err := os.ReadFile(back)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodePlist(t, data); !reflect.DeepEqual(got, p) {
			t.Fatalf("after a binary round trip: %v, want %v", got, p)
		}
	})

	for range 2 {
		if err := m.Disable(); err != nil {
			t.Fatal(err)
		}
	}
	if st := mustStatus(t, m); st.Installed {
		t.Fatalf("after disable: %+v", st)
	}
}

func equalAny(a, b any) bool {
	if as, ok := a.([]any); ok {
		bs, ok := b.([]any)
		return ok && slices.Equal(as, bs)
	}
	return a == b
}

func TestLaunchAgentStaleAndDisabled(t *testing.T) {
	home := t.TempDir()
	old := "/Applications/Old.app/Contents/MacOS/ssokeeper"
	dir := filepath.Join(home, "Library", "LaunchAgents")
	os.MkdirAll(dir, 0o755)
	file := filepath.Join(dir, "io.ssokeeper.agent.plist")
	if err := os.WriteFile(file, agentPlist(old), 0o644); err != nil {
		t.Fatal(err)
	}
	m := mustManager(t, "darwin", home, "", fakeExe(t, home), nil)
	st := mustStatus(t, m)
	if !st.Installed || st.PointsHere || !strings.Contains(st.String(), "points at "+old) {
		t.Fatalf("stale: %+v %q", st, st)
	}

	// launchd skips a job with Disabled true.
	off := strings.Replace(string(agentPlist(m.exe)), "<dict>\n", "<dict>\n\t<key>Disabled</key>\n\t<true/>\n", 1)
	if err := os.WriteFile(file, []byte(off), 0o644); err != nil {
		t.Fatal(err)
	}
	if st := mustStatus(t, m); st.Installed {
		t.Fatalf("disabled job counts as installed: %+v", st)
	}

	os.WriteFile(file, []byte("<plist><dict><key>Label</key>"), 0o644)
	if _, err := m.Status(); err == nil {
		t.Fatal("a broken plist: want an error")
	}
}
