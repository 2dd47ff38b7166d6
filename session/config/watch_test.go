package config

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// deadline is generous: it only bounds a test that has already failed.
const deadline = 10 * time.Second

type watched struct {
	path    string
	changes chan struct{} // one per onChange call
	seen    chan struct{} // one per event on the file
	done    chan struct{} // closed when Watch returned err
	err     error
	cancel  context.CancelFunc
}

func startWatch(t *testing.T, delay time.Duration) *watched {
	t.Helper()
	w := &watched{
		path:    filepath.Join(t.TempDir(), "config.toml"),
		changes: make(chan struct{}, 100),
		seen:    make(chan struct{}, 100),
		done:    make(chan struct{}),
	}
	w.write(t, "# v1\n")
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	go func() {
		defer close(w.done)
		w.err = watch(ctx, w.path, func() { w.changes <- struct{}{} }, delay,
			func() { w.seen <- struct{}{} })
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	w.settle(t)
	return w
}

func (w *watched) write(t *testing.T, text string) {
	t.Helper()
	if err := os.WriteFile(w.path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// settle waits until the watch is in place: fsnotify reports only what
// happens after Add, so poke the file until an event is seen.
func (w *watched) settle(t *testing.T) {
	t.Helper()
	timeout := time.After(deadline)
	poke := time.NewTicker(20 * time.Millisecond)
	defer poke.Stop()
	for {
		w.write(t, "# v1\n")
		select {
		case <-w.seen:
			return
		case <-w.done:
			t.Fatalf("Watch returned %v", w.err)
		case <-timeout:
			t.Fatal("the watch never saw a write")
		case <-poke.C: // not in place yet
		}
	}
}

// next waits for the next onChange call.
func (w *watched) next(t *testing.T, what string) {
	t.Helper()
	select {
	case <-w.changes:
	case <-w.done:
		t.Fatalf("Watch returned %v before reporting the %s", w.err, what)
	case <-time.After(deadline):
		t.Fatalf("no change reported for the %s", what)
	}
}

// drain forgets the calls caused by settling.
func (w *watched) drain(t *testing.T) {
	w.next(t, "first write")
	for len(w.changes) > 0 {
		<-w.changes
	}
}

func TestWatch(t *testing.T) {
	w := startWatch(t, 20*time.Millisecond)
	w.drain(t)

	w.write(t, "# v2\n")
	w.next(t, "write")

	// Editors save by writing a new file and renaming it over the old one.
	tmp := filepath.Join(filepath.Dir(w.path), ".config.toml.swp")
	if err := os.WriteFile(tmp, []byte("# v3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		t.Fatal(err)
	}
	w.next(t, "rename over the file")

	if err := os.Remove(w.path); err != nil {
		t.Fatal(err)
	}
	w.next(t, "removal")

	w.write(t, "# v4\n")
	w.next(t, "new file")
}

func TestWatchIgnoresOtherFiles(t *testing.T) {
	w := startWatch(t, 20*time.Millisecond)
	w.drain(t)
	for len(w.seen) > 0 {
		<-w.seen
	}
	dir := filepath.Dir(w.path)
	if err := os.WriteFile(filepath.Join(dir, "other.toml"), []byte("x = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The marker: a rename is exactly one event on the config file.
	tmp := filepath.Join(dir, "config.toml.new")
	if err := os.WriteFile(tmp, []byte("# v2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, w.path); err != nil {
		t.Fatal(err)
	}
	w.next(t, "rename")
	if n := len(w.seen); n != 1 {
		t.Errorf("%d events counted, want 1: changes to other files in the folder count", n)
	}
}

// A change still waiting out its debounce when ctx ends is dropped, and
// Watch returns nil.
func TestWatchStopsWithContext(t *testing.T) {
	w := startWatch(t, time.Hour)
	for range 3 {
		w.write(t, "# again\n")
		<-w.seen // each event is handled before the next write
	}
	if len(w.changes) != 0 {
		t.Fatal("onChange ran before the debounce delay")
	}
	w.cancel()
	select {
	case <-w.done:
	case <-time.After(deadline):
		t.Fatal("Watch did not return when ctx ended")
	}
	if w.err != nil {
		t.Errorf("Watch = %v, want nil when ctx ends", w.err)
	}
	if len(w.changes) != 0 {
		t.Error("onChange ran after ctx ended")
	}
}

func TestWatchMissingFolder(t *testing.T) {
	err := Watch(context.Background(), filepath.Join(t.TempDir(), "no", "config.toml"), func() {})
	if err == nil {
		t.Error("Watch on a missing folder returned nil")
	}
}
