package session

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestSlowBackoff(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		failures   int
		retryAfter time.Duration
		lo, hi     time.Duration
	}{
		{1, 0, 48 * time.Minute, 72 * time.Minute},
		{2, 0, 96 * time.Minute, 144 * time.Minute},
		{4, 0, 384 * time.Minute, 576 * time.Minute},
		{50, 0, 384 * time.Minute, 576 * time.Minute}, // capped at 8 h
		{1, 20 * time.Hour, 20 * time.Hour, 20 * time.Hour},
	} {
		for range 20 {
			if d := slowBackoff(tc.failures, tc.retryAfter, rnd); d < tc.lo || d > tc.hi {
				t.Errorf("slowBackoff(%d, %v) = %v, want %v..%v", tc.failures, tc.retryAfter, d, tc.lo, tc.hi)
			}
		}
	}
}
