package paths

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestEnsureDirChangesOnlyWhatItMust(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	base := t.TempDir()
	mode := func(dir string) os.FileMode {
		info, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		return info.Mode().Perm()
	}
	for _, tc := range []struct {
		name       string
		have, want os.FileMode // 0: missing
	}{
		{"missing", 0, 0o700},
		{"owner-only, read-only", 0o500, 0o500}, // e.g. on a read-only disk: not touched
		{"owner-only", 0o700, 0o700},
		{"open to others", 0o755, 0o700},
	} {
		dir := filepath.Join(base, tc.name)
		if tc.have != 0 {
			if err := os.Mkdir(dir, tc.have); err != nil {
				t.Fatal(err)
			}
			os.Chmod(dir, tc.have)
		}
		if err := EnsureDir(dir); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if got := mode(dir); got != tc.want {
			t.Errorf("%s: mode %v after EnsureDir, want %v", tc.name, got, tc.want)
		}
	}
}
