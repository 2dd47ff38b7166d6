package main

import (
	"fmt"
	"strings"
)

// appSVG is the application icon as SVG, from the same geometry as the
// PNGs: the shield (rounded by a stroke of its own colour) with the
// keyhole masked out.
func appSVG() string {
	pl := place{pt{0.02, 0.02}, 0.96}
	pts := []pt{pl.at(0.10, 0.06), pl.at(0.90, 0.06), pl.at(0.90, 0.48)}
	pts = append(pts, quadIn(pl, pt{0.90, 0.48}, pt{0.88, 0.82}, pt{0.50, 0.96})...)
	pts = append(pts, quadIn(pl, pt{0.50, 0.96}, pt{0.12, 0.82}, pt{0.10, 0.48})...)
	c := pl.at(0.50, 0.40)
	stem := []pt{pl.at(0.455, 0.44), pl.at(0.545, 0.44), pl.at(0.585, 0.72), pl.at(0.415, 0.72)}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">
  <defs>
    <linearGradient id="half" x1="0" x2="1" y1="0" y2="0">
      <stop offset="0.5" stop-color="%s"/><stop offset="0.5" stop-color="%s"/>
    </linearGradient>
    <mask id="keyhole">
      <rect width="256" height="256" fill="white"/>
      <circle cx="%s" cy="%s" r="%s" fill="black"/>
      <polygon points="%s" fill="black"/>
    </mask>
  </defs>
  <polygon points="%s" fill="url(#half)" stroke="url(#half)" stroke-width="%s" stroke-linejoin="round" mask="url(#keyhole)"/>
</svg>
`, hex(blue), hex(blueDark), f(c.x*256), f(c.y*256), f(0.135*pl.k*256), points(stem), points(pts), f(2*0.03*pl.k*256))
}

func f(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

func points(ps []pt) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = f(p.x*256) + "," + f(p.y*256)
	}
	return strings.Join(s, " ")
}

func hex(c rgba) string {
	return fmt.Sprintf("#%02x%02x%02x", to8(c.r), to8(c.g), to8(c.b))
}
