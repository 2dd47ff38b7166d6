package config

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// debounce lets an editor finish a save (write, rename, chmod) before the
// file is read again.
const debounce = 200 * time.Millisecond

// Watch calls onChange, from Watch's own goroutine, once the file at path
// has been created, written, renamed over or removed and then left alone
// for a moment. It watches the file's directory, because editors save by
// renaming a new file over the old one. Watch returns nil when ctx ends and
// never calls onChange after that; it returns an error if the directory
// cannot be watched.
func Watch(ctx context.Context, path string, onChange func()) error {
	w, err := NewWatcher(path)
	if err != nil {
		return err
	}
	return w.Run(ctx, onChange)
}

// Watcher watches one configuration file. NewWatcher starts watching at
// once, so no change made after it returns is missed; Run reports them.
type Watcher struct {
	path  string
	w     *fsnotify.Watcher
	names map[string]bool
	delay time.Duration
	seen  func() // test hook: called for each event on the file
}

// NewWatcher starts watching the file at path (its directory must exist).
func NewWatcher(path string) (*Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch the configuration %s: %w", path, err)
	}
	// A symlinked config (dotfile managers) changes where the link points.
	names := map[string]bool{filepath.Clean(path): true}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		names[filepath.Clean(real)] = true
	}
	for name := range names {
		if err := w.Add(filepath.Dir(name)); err != nil {
			w.Close()
			return nil, fmt.Errorf("watch the configuration folder %s: %w", filepath.Dir(name), err)
		}
	}
	return &Watcher{path: path, w: w, names: names, delay: debounce}, nil
}

// watch is Watch with the debounce delay and a hook, called for each event
// on the file, for tests.
func watch(ctx context.Context, path string, onChange func(), delay time.Duration, seen func()) error {
	w, err := NewWatcher(path)
	if err != nil {
		return err
	}
	w.delay, w.seen = delay, seen
	return w.Run(ctx, onChange)
}

// Run calls onChange after each settled change until ctx ends, then stops
// watching.
func (wt *Watcher) Run(ctx context.Context, onChange func()) error {
	w, names, delay, seen, path := wt.w, wt.names, wt.delay, wt.seen, wt.path
	defer w.Close()
	timer := time.NewTimer(delay)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if !names[filepath.Clean(ev.Name)] || !ev.Has(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Remove) {
				continue
			}
			if seen != nil {
				seen()
			}
			timer.Reset(delay)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("watch the configuration %s: %w", path, err)
			}
			timer.Reset(delay) // events were lost: read the file again to be sure
		case <-timer.C:
			if ctx.Err() != nil {
				return nil
			}
			onChange()
		}
	}
}
