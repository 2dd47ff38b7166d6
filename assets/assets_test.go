package assets

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"testing"
)

var kinds = []Kind{NoSessions, OK, Attention, Action}

func decode(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return img
}

func TestTrayIconsExistAtEverySize(t *testing.T) {
	for _, k := range kinds {
		for _, n := range TraySizes {
			img := decode(t, k.String(), PNG(k, n))
			if img.Bounds().Dx() != n || img.Bounds().Dy() != n {
				t.Errorf("%s-%d is %v", k, n, img.Bounds())
			}
		}
		if len(TrayIcon(k)) == 0 || len(ICO(k)) == 0 {
			t.Errorf("%s: no tray icon or ICO", k)
		}
	}
}

// The template variant may only use black and transparency, or macOS
// renders it wrongly in dark mode.
func TestTemplateIsBlackAndAlphaOnly(t *testing.T) {
	for _, k := range kinds {
		img := decode(t, k.String(), TemplateIcon(k))
		opaque := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, a := img.At(x, y).RGBA()
				if r != 0 || g != 0 || bl != 0 {
					t.Fatalf("%s template has colour at %d,%d", k, x, y)
				}
				if a > 0xf000 {
					opaque++
				}
			}
		}
		if opaque < 64*64/8 {
			t.Errorf("%s template is almost empty (%d opaque pixels)", k, opaque)
		}
	}
}

// States must differ by shape, not colour alone: compare the alpha masks.
func TestStatesDifferByShape(t *testing.T) {
	masks := map[Kind][]byte{}
	for _, k := range kinds {
		img := decode(t, k.String(), TemplateIcon(k)).(*image.NRGBA)
		var m []byte
		for i := 3; i < len(img.Pix); i += 4 {
			m = append(m, img.Pix[i]>>7)
		}
		masks[k] = m
	}
	for i, a := range kinds {
		for _, b := range kinds[i+1:] {
			diff := 0
			for j := range masks[a] {
				if masks[a][j] != masks[b][j] {
					diff++
				}
			}
			if diff < 100 {
				t.Errorf("%s and %s differ in only %d pixels of shape", a, b, diff)
			}
		}
	}
}

func TestICOHoldsEverySize(t *testing.T) {
	for _, k := range kinds {
		sizes := icoSizes(t, ICO(k))
		if len(sizes) != 5 || sizes[0] != 16 || sizes[4] != 64 {
			t.Errorf("%s.ico sizes %v", k, sizes)
		}
	}
	b, err := files.ReadFile("app/ssokeeper.ico")
	if err != nil {
		t.Fatal(err)
	}
	if s := icoSizes(t, b); len(s) != 7 || s[6] != 256 {
		t.Errorf("app ico sizes %v", s)
	}
}

func icoSizes(t *testing.T, b []byte) []int {
	t.Helper()
	if len(b) < 6 || binary.LittleEndian.Uint16(b[2:]) != 1 {
		t.Fatal("not an ICO")
	}
	var out []int
	for i := 0; i < int(binary.LittleEndian.Uint16(b[4:])); i++ {
		e := b[6+16*i:]
		size, off := binary.LittleEndian.Uint32(e[8:]), binary.LittleEndian.Uint32(e[12:])
		img := decode(t, "ico entry", b[off:off+size])
		n := int(e[0])
		if n == 0 {
			n = 256
		}
		if img.Bounds().Dx() != n {
			t.Errorf("entry %d says %d px, holds %v", i, n, img.Bounds())
		}
		out = append(out, n)
	}
	return out
}

func TestAppIcon(t *testing.T) {
	for _, n := range AppSizes {
		if img := decode(t, "app", AppIconPNG(n)); img.Bounds().Dx() != n {
			t.Errorf("app icon %d is %v", n, img.Bounds())
		}
	}
	if AppIconPNG(17) != nil {
		t.Error("AppIconPNG(17) should be nil")
	}
}
