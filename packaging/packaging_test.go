package packaging

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const appID = "io.ssokeeper.ssokeeper"

// requireTool finds a validator; it skips without one unless
// SSOKEEPER_REQUIRE_TOOLS=1, where a missing tool fails the test.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SSOKEEPER_REQUIRE_TOOLS") == "1" {
			t.Fatalf("%s is missing (SSOKEEPER_REQUIRE_TOOLS=1)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestDesktopFile(t *testing.T) {
	file := filepath.Join("linux", appID+".desktop")
	kv := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(read(t, file)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			kv[k] = v
		}
	}
	for k, v := range map[string]string{
		"Type": "Application", "Exec": "ssokeeper", "Icon": appID,
		"Terminal": "false", "StartupNotify": "false", "Categories": "Utility;Security;",
	} {
		if kv[k] != v {
			t.Errorf("%s=%q, want %q", k, kv[k], v)
		}
	}
	if kv["Keywords"] == "" {
		t.Error("no Keywords")
	}
	out, err := exec.Command(requireTool(t, "desktop-file-validate"), file).CombinedOutput()
	if err != nil || strings.Contains(string(out), "error:") || strings.Contains(string(out), "warning:") {
		t.Fatalf("desktop-file-validate: %v\n%s", err, out)
	}
}

func TestMetainfo(t *testing.T) {
	file := filepath.Join("linux", appID+".metainfo.xml")
	var c struct {
		Type       string `xml:"type,attr"`
		ID         string `xml:"id"`
		Metadata   string `xml:"metadata_license"`
		License    string `xml:"project_license"`
		Launchable string `xml:"launchable"`
		Binary     string `xml:"provides>binary"`
		Releases   []struct {
			Version string `xml:"version,attr"`
			Date    string `xml:"date,attr"`
		} `xml:"releases>release"`
	}
	if err := xml.Unmarshal(read(t, file), &c); err != nil {
		t.Fatal(err)
	}
	if c.Type != "desktop-application" || c.ID != appID || c.Launchable != appID+".desktop" ||
		c.Binary != "ssokeeper" || c.Metadata != "CC0-1.0" || c.License != "MIT" {
		t.Errorf("metainfo = %+v", c)
	}
	if len(c.Releases) == 0 || c.Releases[0].Version == "" || c.Releases[0].Date == "" {
		t.Errorf("releases = %+v, want a version and date", c.Releases)
	}
	out, err := exec.Command(requireTool(t, "appstreamcli"), "validate", "--no-net", file).CombinedOutput()
	if err != nil {
		t.Fatalf("appstreamcli validate: %v\n%s", err, out)
	}
}

// Every file nfpm packages exists, and each icon has the size of its folder.
func TestNfpmContents(t *testing.T) {
	src := regexp.MustCompile(`(?m)^\s*- src: (\S+)\n\s*dst: (\S+)`)
	matches := src.FindAllStringSubmatch(string(read(t, "nfpm.yaml")), -1)
	if len(matches) < 12 {
		t.Fatalf("nfpm.yaml packages %d files, want the binary, launcher, metadata, man page and 9 icons", len(matches))
	}
	size := regexp.MustCompile(`/hicolor/(\d+)x(\d+)/apps/` + regexp.QuoteMeta(appID) + `\.png$`)
	icons := 0
	for _, m := range matches {
		from, to := m[1], m[2]
		if strings.Contains(from, "${") {
			continue // the binary, built by dist.sh
		}
		path := filepath.Join("..", from) // nfpm runs from the repository root
		if _, err := os.Stat(path); err != nil {
			t.Errorf("nfpm.yaml packages %s, which is missing: %v", from, err)
			continue
		}
		if s := size.FindStringSubmatch(to); s != nil {
			icons++
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			cfg, _, err := image.DecodeConfig(f)
			f.Close()
			if err != nil || s[1] != s[2] || strconv.Itoa(cfg.Width) != s[1] || strconv.Itoa(cfg.Height) != s[2] {
				t.Errorf("%s is %dx%d (%v), installed as %s", from, cfg.Width, cfg.Height, err, to)
			}
		}
	}
	if icons != 8 {
		t.Errorf("%d hicolor PNG icons, want 8 (16 to 256)", icons)
	}
}

func TestInfoPlist(t *testing.T) {
	data := read(t, filepath.Join("macos", "Info.plist"))
	// Keys and values alternate inside the one dict.
	d := xml.NewDecoder(bytes.NewReader(data))
	got, key := map[string]string{}, ""
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch tk.Name.Local {
			case "key":
				d.DecodeElement(&key, &tk)
			case "string":
				var s string
				d.DecodeElement(&s, &tk)
				got[key] = s
			case "true", "false":
				got[key] = tk.Name.Local
			}
		}
	}
	for k, v := range map[string]string{
		"CFBundleIdentifier": appID, "CFBundleExecutable": "ssokeeper", "LSUIElement": "true",
		"CFBundlePackageType": "APPL", "CFBundleShortVersionString": "@VERSION@",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestWinres(t *testing.T) {
	var res struct {
		Icon map[string]map[string]string `json:"RT_GROUP_ICON"`
	}
	if err := json.Unmarshal(read(t, filepath.Join("windows", "winres.json")), &res); err != nil {
		t.Fatal(err)
	}
	ico := res.Icon["APP"]["0000"]
	data := read(t, filepath.Join("windows", ico)) // relative to winres.json
	if len(data) < 6 || !bytes.Equal(data[:4], []byte{0, 0, 1, 0}) {
		t.Fatalf("%s is not an ICO file", ico)
	}
}
