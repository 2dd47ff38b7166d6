package main

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The committed icons must be what the generator draws: run
// `go generate ./assets` after changing the design.
func TestCommittedIconsAreUpToDate(t *testing.T) {
	for name, want := range files() {
		got, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatalf("%v (run go generate ./assets)", err)
		}
		if strings.HasSuffix(name, ".png") {
			if !samePixels(t, got, want) {
				t.Errorf("%s differs from the generator's drawing (run go generate ./assets)", name)
			}
			continue
		}
		if !bytes.Equal(got, want) && !strings.HasSuffix(name, ".ico") {
			t.Errorf("%s differs from the generator's output (run go generate ./assets)", name)
		}
	}
}

func samePixels(t *testing.T, a, b []byte) bool {
	ia, err1 := png.Decode(bytes.NewReader(a))
	ib, err2 := png.Decode(bytes.NewReader(b))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	na, ok1 := ia.(*image.NRGBA)
	nb, ok2 := ib.(*image.NRGBA)
	return ok1 && ok2 && bytes.Equal(na.Pix, nb.Pix)
}
