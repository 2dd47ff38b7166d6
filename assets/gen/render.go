package main

import (
	"image"
	"image/color"
	"math"
)

// render draws layers into a size×size image. Each pixel is sampled at its
// centre; the signed distance, in pixels, gives the edge coverage.
func render(ls []layer, size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	n := float64(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			p := pt{(float64(x) + 0.5) / n, (float64(y) + 0.5) / n}
			var r, g, b, a float64 // premultiplied
			for _, l := range ls {
				cov := clamp(0.5-l.s(p)*n, 0, 1)
				if cov == 0 {
					continue
				}
				if l.erase {
					r, g, b, a = r*(1-cov), g*(1-cov), b*(1-cov), a*(1-cov)
					continue
				}
				c := l.col(p)
				ca := c.a * cov
				r, g, b, a = c.r*ca+r*(1-ca), c.g*ca+g*(1-ca), c.b*ca+b*(1-ca), ca+a*(1-ca)
			}
			if a <= 0 {
				continue
			}
			img.SetNRGBA(x, y, color.NRGBA{to8(r / a), to8(g / a), to8(b / a), to8(a)})
		}
	}
	return img
}

func to8(v float64) uint8 { return uint8(math.Round(clamp(v, 0, 1) * 255)) }
