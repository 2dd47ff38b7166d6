package autostart

import (
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/windows/registry"
)

// The real registry code, on a throwaway key beside the Run key's parents.
func TestHKCUKey(t *testing.T) {
	path := `Software\ssokeeper-test-` + strconv.FormatInt(time.Now().UnixNano(), 36)
	t.Cleanup(func() { registry.DeleteKey(registry.CURRENT_USER, path) })
	k := hkcuKey{path: path}
	if _, ok, err := k.Get("ssokeeper"); ok || err != nil {
		t.Fatalf("missing key: ok=%v err=%v", ok, err)
	}
	if err := k.Delete("ssokeeper"); err != nil {
		t.Fatalf("delete from a missing key: %v", err)
	}
	m := mustManager(t, "windows", t.TempDir(), "", `C:\Program Files\ssokeeper\ssokeeper.exe`, k)
	for range 2 {
		if err := m.Enable(); err != nil {
			t.Fatal(err)
		}
	}
	if v, ok, err := k.Get("ssokeeper"); !ok || err != nil || v != `"C:\Program Files\ssokeeper\ssokeeper.exe"` {
		t.Fatalf("Get = %q, %v, %v", v, ok, err)
	}
	if on, err := m.Enabled(); !on || err != nil {
		t.Fatalf("Enabled = %v, %v", on, err)
	}
	for range 2 {
		if err := m.Disable(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok, _ := k.Get("ssokeeper"); ok {
		t.Fatal("value still there after Disable")
	}
}
