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
	return watch(ctx, path, onChange, debounce, nil)
}

// watch is Watch with the debounce delay and a hook, called for each event
// on the file, for tests.
func watch(ctx context.Context, path string, onChange func(), delay time.Duration, seen func()) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch the configuration %s: %w", path, err)
	}
	defer w.Close()

	// A symlinked config (dotfile managers) changes where the link points.
	names := map[string]bool{filepath.Clean(path): true}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		names[filepath.Clean(real)] = true
	}
	for name := range names {
		if err := w.Add(filepath.Dir(name)); err != nil {
			return fmt.Errorf("watch the configuration folder %s: %w", filepath.Dir(name), err)
		}
	}

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
