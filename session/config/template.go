package config

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed template.toml
var template []byte

// WriteTemplate writes a commented example configuration to path, creating
// its directory (0700) when needed. The file (0600) defines no session. It
// never overwrites a file: if path exists the error satisfies
// errors.Is(err, fs.ErrExist).
func WriteTemplate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create the configuration folder: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write the configuration template: %w", err)
	}
	if _, err := f.Write(template); err != nil {
		f.Close()
		os.Remove(path) // a half-written template would not load
		return fmt.Errorf("write the configuration template %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(path)
		return fmt.Errorf("write the configuration template %s: %w", path, err)
	}
	return nil
}
