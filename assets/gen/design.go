package main

import "math"

// The icons: a shield with a keyhole (ssokeeper keeps the keys to your
// sessions) and, for the tray, a badge whose shape says the state, so the
// states differ without colour: a check in a circle (OK), "!" in a
// triangle (attention), "×" in a circle (action needed), and a hollow
// shield with no badge (no sessions).

type rgba struct{ r, g, b, a float64 }

var (
	blue     = rgba{0.20, 0.45, 0.87, 1}
	blueDark = rgba{0.15, 0.35, 0.73, 1}
	grey     = rgba{0.54, 0.56, 0.60, 1}
	green    = rgba{0.16, 0.62, 0.27, 1}
	amber    = rgba{0.96, 0.66, 0.05, 1}
	amberInk = rgba{0.23, 0.16, 0.00, 1}
	red      = rgba{0.85, 0.19, 0.15, 1}
	white    = rgba{1, 1, 1, 1}
	black    = rgba{0, 0, 0, 1}
)

// layer paints one shape. erase cuts it out of what lies below. symbol
// marks the mark inside a badge: white or dark in colour, cut out in the
// macOS template (which may only use black and transparency).
type layer struct {
	s      shape
	col    func(p pt) rgba
	erase  bool
	symbol bool
}

func flat(c rgba) func(pt) rgba { return func(pt) rgba { return c } }

// place maps the unit square onto the square at o with side k.
type place struct {
	o pt
	k float64
}

func (pl place) at(x, y float64) pt { return pt{pl.o.x + x*pl.k, pl.o.y + y*pl.k} }

// shieldOutline is the shield's border, in its own unit square.
func shieldOutline(pl place) shape {
	pts := []pt{pl.at(0.10, 0.06), pl.at(0.90, 0.06), pl.at(0.90, 0.48)}
	pts = append(pts, quadIn(pl, pt{0.90, 0.48}, pt{0.88, 0.82}, pt{0.50, 0.96})...)
	pts = append(pts, quadIn(pl, pt{0.50, 0.96}, pt{0.12, 0.82}, pt{0.10, 0.48})...)
	return polygon(0.03*pl.k, pts...)
}

func quadIn(pl place, a, c, b pt) []pt {
	out := quad(a, c, b, 24)
	for i, q := range out {
		out[i] = pl.at(q.x, q.y)
	}
	return out
}

// keyhole is centred at height y with its foot at foot (shield units).
func keyhole(pl place, y, foot float64) shape {
	return union(
		circle(pl.at(0.50, y), 0.135*pl.k),
		polygon(0.01*pl.k, pl.at(0.455, y+0.04), pl.at(0.545, y+0.04), pl.at(0.585, foot), pl.at(0.415, foot)),
	)
}

// shieldLayers draws the filled shield with the keyhole cut out; the right
// half is darker at sizes where that detail reads.
func shieldLayers(pl place, hole shape, size int) []layer {
	col := flat(blue)
	if size >= 32 {
		mid := pl.at(0.5, 0).x
		col = func(p pt) rgba {
			if p.x > mid {
				return blueDark
			}
			return blue
		}
	}
	return []layer{{s: shieldOutline(pl), col: col}, {s: hole, erase: true}}
}

// design returns the layers of the tray icon of kind k at size px.
func design(k kind, size int) []layer {
	px := 1 / float64(size)
	if k == kindNone {
		pl := place{pt{0.03, 0.02}, 0.94}
		w := math.Max(0.09, 1.6*px)
		return []layer{
			{s: ring(shieldOutline(pl), w), col: flat(grey)},
			{s: keyhole(pl, 0.40, 0.72), col: flat(grey)},
		}
	}
	// Small icons get a relatively larger badge so its mark stays legible.
	r := 0.25
	if size <= 24 {
		r = 0.28
	}
	c := pt{1 - r - 0.005, 1 - r - 0.005}
	gap := math.Max(0.05, 1.0*px)
	w := math.Max(0.14*r, 0.8*px) // half-width of the mark's strokes
	at := func(x, y float64) pt { return pt{c.x + x*r, c.y + y*r} }

	// The shield sits up and left, its keyhole short, to leave the badge room.
	pl := place{pt{-0.015, -0.01}, 0.84}
	ls := shieldLayers(pl, keyhole(pl, 0.36, 0.60), size)
	var badge, mark shape
	var bg, ink rgba
	switch k {
	case kindOK:
		badge, bg, ink = circle(c, r), green, white
		mark = stroke(w, at(-0.45, 0.02), at(-0.12, 0.36), at(0.46, -0.32))
	case kindAttention:
		// A triangle, rounded, centred on the badge's circle.
		round := 0.12 * r
		badge = polygon(round, at(0, -1.02+0.12), at(1.05-0.12, 0.86-0.08), at(-1.05+0.12, 0.86-0.08))
		bg, ink = amber, amberInk
		mark = union(stroke(w, at(0, -0.46), at(0, 0.16)), circle(at(0, 0.48), w*1.15))
	case kindAction:
		badge, bg, ink = circle(c, r), red, white
		d := 0.40
		mark = union(stroke(w, at(-d, -d), at(d, d)), stroke(w, at(-d, d), at(d, -d)))
	}
	return append(ls,
		layer{s: grow(badge, gap), erase: true},
		layer{s: badge, col: flat(bg)},
		layer{s: mark, col: flat(ink), symbol: true},
	)
}

// appDesign is the application icon: the shield alone.
func appDesign(size int) []layer {
	pl := place{pt{0.02, 0.02}, 0.96}
	return shieldLayers(pl, keyhole(pl, 0.40, 0.72), size)
}

// template turns layers into the macOS template form: black, with the
// badge marks cut out.
func template(ls []layer) []layer {
	out := make([]layer, len(ls))
	for i, l := range ls {
		l.col = flat(black)
		if l.symbol {
			l.erase = true
		}
		out[i] = l
	}
	return out
}
