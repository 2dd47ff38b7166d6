package main

import "math"

// Shapes are signed distance functions in icon units (the icon is the unit
// square, y down): negative inside, positive outside. Rendering turns the
// distance into pixel coverage, which anti-aliases every edge exactly.

type pt struct{ x, y float64 }

func (a pt) sub(b pt) pt              { return pt{a.x - b.x, a.y - b.y} }
func (a pt) add(b pt) pt              { return pt{a.x + b.x, a.y + b.y} }
func (a pt) mul(k float64) pt         { return pt{a.x * k, a.y * k} }
func (a pt) dot(b pt) float64         { return a.x*b.x + a.y*b.y }
func (a pt) length() float64          { return math.Hypot(a.x, a.y) }
func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

type shape func(p pt) float64

func circle(c pt, r float64) shape {
	return func(p pt) float64 { return p.sub(c).length() - r }
}

// stroke is a polyline drawn with round caps and joins, half-width w.
func stroke(w float64, pts ...pt) shape {
	return func(p pt) float64 {
		d := math.Inf(1)
		for i := 0; i+1 < len(pts); i++ {
			a, b := pts[i], pts[i+1]
			pa, ba := p.sub(a), b.sub(a)
			h := clamp(pa.dot(ba)/ba.dot(ba), 0, 1)
			d = math.Min(d, pa.sub(ba.mul(h)).length())
		}
		return d - w
	}
}

// polygon is a closed polygon (any winding); round > 0 rounds it outward.
func polygon(round float64, pts ...pt) shape {
	return func(p pt) float64 {
		d := p.sub(pts[0]).dot(p.sub(pts[0]))
		s := 1.0
		for i, j := 0, len(pts)-1; i < len(pts); j, i = i, i+1 {
			e, w := pts[j].sub(pts[i]), p.sub(pts[i])
			b := w.sub(e.mul(clamp(w.dot(e)/e.dot(e), 0, 1)))
			d = math.Min(d, b.dot(b))
			c1, c2, c3 := p.y >= pts[i].y, p.y < pts[j].y, e.x*w.y > e.y*w.x
			if (c1 && c2 && c3) || (!c1 && !c2 && !c3) {
				s = -s
			}
		}
		return s*math.Sqrt(d) - round
	}
}

func union(ss ...shape) shape {
	return func(p pt) float64 {
		d := math.Inf(1)
		for _, s := range ss {
			d = math.Min(d, s(p))
		}
		return d
	}
}

// grow moves the edge outward by g (a gap around a badge).
func grow(s shape, g float64) shape {
	return func(p pt) float64 { return s(p) - g }
}

// ring is the outline of s, w wide, centred just inside the edge.
func ring(s shape, w float64) shape {
	return func(p pt) float64 { return math.Abs(s(p)+w/2) - w/2 }
}

// quad flattens a quadratic Bézier curve from a to b with control c.
func quad(a, c, b pt, n int) []pt {
	out := make([]pt, 0, n)
	for i := 1; i <= n; i++ {
		t := float64(i) / float64(n)
		u := 1 - t
		out = append(out, a.mul(u*u).add(c.mul(2*u*t)).add(b.mul(t*t)))
	}
	return out
}
