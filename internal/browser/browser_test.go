//go:build unix

package browser

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpenRunsBrowserWithURLLast(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "args")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "browser.sh")
	os.WriteFile(script, []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > "+fifo+"\n"), 0o755) //nolint:errcheck
	t.Setenv("BROWSER", script+" --new-window")
	if err := Open("http://127.0.0.1:1/x?y=z"); err != nil {
		t.Fatal(err)
	}
	// Reading the FIFO waits for the launched command to write its args.
	got := make(chan string, 1)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- string(data)
	}()
	select {
	case args := <-got:
		if f := strings.Fields(args); len(f) != 2 || f[0] != "--new-window" || f[1] != "http://127.0.0.1:1/x?y=z" {
			t.Errorf("browser got %q, want [--new-window URL]", f)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the $BROWSER command never ran")
	}
}

func TestCanShow(t *testing.T) {
	t.Setenv("BROWSER", "")
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv("SSH_CONNECTION", "10.0.0.1 22 10.0.0.2 22")
	if CanShow() {
		t.Error("no BROWSER and no display, yet CanShow")
	}
	t.Setenv("BROWSER", "firefox")
	if !CanShow() {
		t.Error("BROWSER set, yet not CanShow")
	}
}
