//go:build race

package tray

// fyne.io/systray v1.12.2 has data races of its own between a host's
// GetLayout and a menu change (menuVersion), and between SetIcon and a
// host reading IconPixmap (godbus prop stores the pixmap in place), so
// the D-Bus test cannot pass under -race whatever this package does.
const raceDetector = true
