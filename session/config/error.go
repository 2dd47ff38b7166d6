package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong in the configuration file.
type Problem struct {
	File    string
	Line    int // 0 when the problem has no line (the file as a whole)
	Field   string
	Message string // what is wrong and how to fix it; never holds a secret
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error lists every problem found in a configuration file, in line order.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// suggest returns the known word closest to s, or "" when none is close
// enough to be a likely typo.
func suggest(s string, known []string) string {
	norm := func(w string) string {
		return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(w))
	}
	for _, k := range known {
		if norm(k) == norm(s) {
			return k // clientId, client-id, ClientID …
		}
	}
	best, bestDist := "", 0
	for _, k := range known {
		if len(s) >= 4 && strings.HasPrefix(k, s) {
			return k // clock_skew, scope …
		}
		d := distance(s, k)
		if best == "" || d < bestDist {
			best, bestDist = k, d
		}
	}
	// Allow one edit per four letters, at least one and at most three.
	limit := min(max(len(s)/4, 1), 3)
	if bestDist <= limit {
		return best
	}
	return ""
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
