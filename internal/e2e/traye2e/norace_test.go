//go:build !race

package traye2e

const raceDetector = false
