package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The layers of docs/architecture.md, lowest first. Imports point down
// only: a leaf knows nothing of sessions, the core nothing of views or
// commands, a view nothing of commands or of the other view.
const (
	leaf = iota
	core
	view
	shell
	testHelper // beside the tree: tests and the demo use them, the product does not
)

var layerNames = []string{"leaf", "core", "view", "shell", "test helper"}

const module = "github.com/ssokeeper/ssokeeper"

// layerOf places a package (its path inside the module). ok is false for a
// package nobody placed yet: add it here, and to docs/architecture.md.
func layerOf(pkg string) (layer int, ok bool) {
	switch pkg {
	case "session/clock", "session/paths", "internal/words", "internal/atomicfile", "internal/browser",
		"internal/sessionbus", "internal/autostart", "assets", "assets/gen", "packaging":
		return leaf, true
	case "internal/logging": // redacts with session/health's list of known secrets
		return core, true
	case "", "internal/cli", "internal/agent", "internal/doctor", "internal/toolcreds":
		return shell, true
	case "internal/dbustest", "tray/traytest", "notify/notifytest", "session/awssso/ssooidctest":
		return testHelper, true
	}
	first, _, _ := strings.Cut(pkg, "/")
	switch {
	case strings.HasSuffix(pkg, "/internal/demo"), first == "demo", first == "bench":
		return shell, true
	case strings.HasPrefix(pkg, "internal/e2e"), strings.HasPrefix(pkg, "internal/test"):
		return testHelper, true
	case first == "session":
		return core, true
	case first == "tray", first == "notify":
		return view, true
	}
	return 0, false
}

// mayImport says whether a package of layer from (path fromPkg) may import
// toPkg of layer to.
func mayImport(fromPkg string, from int, toPkg string, to int) bool {
	switch {
	case to == testHelper:
		return from == testHelper || from == shell
	case from == testHelper, from == shell:
		return true
	case from == view && to == view:
		// a view's own subpackages, never the other view
		return strings.SplitN(fromPkg, "/", 2)[0] == strings.SplitN(toPkg, "/", 2)[0]
	}
	return to <= from
}

// TestImportsPointDown reads the imports of every non-test file and fails
// on one that points up a layer (or across, from view to view).
func TestImportsPointDown(t *testing.T) {
	imports := map[string]map[string]bool{} // package → the module's packages it imports
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		if pkg == "." {
			pkg = ""
		}
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == module || strings.HasPrefix(p, module+"/") {
				imports[pkg][strings.TrimPrefix(strings.TrimPrefix(p, module), "/")] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports) < 20 {
		t.Fatalf("read only %d packages: not run from the module's root?", len(imports))
	}
	for pkg, deps := range imports {
		from, ok := layerOf(pkg)
		if !ok {
			t.Errorf("package %q has no layer: place it in layerOf (layers_test.go) and in docs/architecture.md", pkg)
			continue
		}
		for dep := range deps {
			to, ok := layerOf(dep)
			if ok && !mayImport(pkg, from, dep, to) {
				t.Errorf("%s (%s) imports %s (%s): imports point down only", show(pkg), layerNames[from], dep, layerNames[to])
			}
		}
	}
}

func show(pkg string) string {
	if pkg == "" {
		return "main"
	}
	return pkg
}

// TestLayersCatchAnUpwardImport: the rule above can fail.
func TestLayersCatchAnUpwardImport(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		ok       bool
	}{
		{"session", "tray", false},
		{"session", "internal/cli", false},
		{"tray", "notify", false},
		{"session/clock", "session", false},
		{"notify", "internal/testidp", false},
		{"tray", "session", true},
		{"internal/cli", "tray", true},
		{"session/idp", "session", true},
		{"demo", "internal/testidp", true},
		{"tray/internal/demo", "tray", true},
	} {
		from, _ := layerOf(tc.from)
		to, _ := layerOf(tc.to)
		if got := mayImport(tc.from, from, tc.to, to); got != tc.ok {
			t.Errorf("%s → %s allowed: %v, want %v", tc.from, tc.to, got, tc.ok)
		}
	}
	if _, err := os.Stat("docs/architecture.md"); err != nil {
		t.Errorf("the layers are described in docs/architecture.md: %v", err)
	}
}
