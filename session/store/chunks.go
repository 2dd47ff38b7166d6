package store

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/zalando/go-keyring"
)

// Keyrings limit a secret's size (Windows 2,560 bytes, macOS about 3,000),
// and Entra or Google refresh tokens can be longer. A longer value is stored
// as parts under a generation G, "user#G.1" … "user#G.N", and a small index
// "ssokeeper-chunks:N/G" in the main entry. A new value is written under
// generation G+1, then the index is switched in one write, then the old
// parts are deleted: a write that fails part-way leaves the old value
// readable, never a splice of old and new. Earlier versions wrote the
// index "ssokeeper-chunks:N" with parts "user#1" … "user#N" (generation
// 0); they are still read.
const (
	chunkSize   = 2000
	chunkHeader = "ssokeeper-chunks:"
	maxChunks   = 1000 // an index beyond this is corrupt, not a value
)

type chunked struct{ b backend }

// index is what the main entry says: a plain value (n == 0), or n parts of
// generation gen.
type index struct{ n, gen int }

func partName(user string, gen, i int) string {
	if gen == 0 {
		return user + "#" + strconv.Itoa(i)
	}
	return user + "#" + strconv.Itoa(gen) + "." + strconv.Itoa(i)
}

func (c chunked) get(user string) (string, error) {
	head, err := c.getOne(user)
	if err != nil {
		return "", err
	}
	ix, ok := parseHeader(head)
	if !ok {
		return head, nil
	}
	var b strings.Builder
	for i := 1; i <= ix.n; i++ {
		part, err := c.getOne(partName(user, ix.gen, i))
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("%w: part %d of %d of the keyring entry %q is missing", ErrNotFound, i, ix.n, user)
		}
		if err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	return b.String(), nil
}

// set writes the new parts under a new generation, switches the index in
// the main entry, then deletes the old parts. Until the switch the old
// value is what reads back. A clean-up that fails after the switch does
// not fail the write: the value is stored, and the next write or delete
// sweeps what was left.
func (c chunked) set(user, value string) error {
	old, err := c.index(user)
	if err != nil {
		return err
	}
	if !needsChunks(value) {
		if err := c.b.Set(Service, user, value); err != nil {
			return err
		}
		c.sweep(user, old.gen-1, old.gen+1) //nolint:errcheck // see above
		return nil
	}
	gen := old.gen + 1
	parts := split(value)
	for i, p := range parts {
		if err := c.b.Set(Service, partName(user, gen, i+1), p); err != nil {
			return err
		}
	}
	// Parts a failed earlier write left under this generation, beyond ours.
	if err := c.deleteFrom(user, gen, len(parts)+1); err != nil {
		return err
	}
	if err := c.b.Set(Service, user, chunkHeader+strconv.Itoa(len(parts))+"/"+strconv.Itoa(gen)); err != nil {
		return err
	}
	c.sweep(user, old.gen-1, old.gen) //nolint:errcheck // see above
	return nil
}

func (c chunked) delete(user string) error {
	ix, err := c.index(user)
	if err != nil {
		return err
	}
	if err := c.deleteOne(user); err != nil {
		return err
	}
	return c.sweep(user, ix.gen-1, ix.gen+1)
}

// sweep deletes every part of the generations from … to: those of the
// index that no longer counts, and what failed writes left around it.
func (c chunked) sweep(user string, from, to int) error {
	for gen := max(from, 0); gen <= to; gen++ {
		if err := c.deleteFrom(user, gen, 1); err != nil {
			return err
		}
	}
	return nil
}

// index reads the main entry's index (n 0 when the value is plain or
// absent).
func (c chunked) index(user string) (index, error) {
	head, err := c.getOne(user)
	if errors.Is(err, ErrNotFound) {
		return index{}, nil
	}
	if err != nil {
		return index{}, err
	}
	ix, _ := parseHeader(head)
	return ix, nil
}

// deleteFrom deletes parts from, from+1, … of gen until one is missing.
func (c chunked) deleteFrom(user string, gen, from int) error {
	for i := from; i <= maxChunks; i++ {
		err := c.b.Delete(Service, partName(user, gen, i))
		if errors.Is(err, keyring.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c chunked) getOne(user string) (string, error) {
	v, err := c.b.Get(Service, user)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", ErrNotFound
	}
	return v, err
}

func (c chunked) deleteOne(user string) error {
	err := c.b.Delete(Service, user)
	if errors.Is(err, keyring.ErrNotFound) {
		return nil
	}
	return err
}

// parseHeader reads "ssokeeper-chunks:N/G", or the older
// "ssokeeper-chunks:N" (generation 0).
func parseHeader(v string) (index, bool) {
	rest, ok := strings.CutPrefix(v, chunkHeader)
	if !ok {
		return index{}, false
	}
	count, genText, hasGen := strings.Cut(rest, "/")
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > maxChunks {
		return index{}, false
	}
	gen := 0
	if hasGen {
		if gen, err = strconv.Atoi(genText); err != nil || gen < 1 {
			return index{}, false
		}
	}
	return index{n: n, gen: gen}, true
}

// needsChunks is true for a long value, and for a short one that looks
// like a header, so that it reads back as itself.
func needsChunks(value string) bool {
	return len(value) > chunkSize || strings.HasPrefix(value, chunkHeader)
}

// split cuts value into parts of at most chunkSize bytes, on rune
// boundaries so each part is valid UTF-8 on its own.
func split(value string) []string {
	var parts []string
	for len(value) > 0 {
		n := min(chunkSize, len(value))
		for n < len(value) && n > 1 && !utf8.RuneStart(value[n]) {
			n--
		}
		parts = append(parts, value[:n])
		value = value[n:]
	}
	return parts
}
