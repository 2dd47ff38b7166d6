//go:build race

package traye2e

// fyne.io/systray v1.12.2 races with its own D-Bus handlers (see
// tray/race_test.go), so the tray test cannot pass under -race.
const raceDetector = true
