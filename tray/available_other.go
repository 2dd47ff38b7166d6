//go:build !(linux || freebsd || openbsd || netbsd)

package tray

// Available reports whether a tray icon can be shown. Windows and macOS
// always have a notification area / menu bar.
func Available() (ok bool, why string) { return true, "" }

func busReady() error { return nil }
