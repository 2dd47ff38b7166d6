//go:build !windows

package autostart

// systemRunKey is nil: only Windows has a registry.
func systemRunKey() runKey { return nil }
