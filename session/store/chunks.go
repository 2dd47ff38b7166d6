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
// as a header "ssokeeper-chunks:N" in the main entry and its parts in the
// entries "user#1" … "user#N".
const (
	chunkSize   = 2000
	chunkHeader = "ssokeeper-chunks:"
	maxChunks   = 1000 // a header beyond this is corrupt, not a value
)

type chunked struct{ b backend }

func partName(user string, i int) string { return user + "#" + strconv.Itoa(i) }

func (c chunked) get(user string) (string, error) {
	head, err := c.getOne(user)
	if err != nil {
		return "", err
	}
	n, ok := parseHeader(head)
	if !ok {
		return head, nil
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		part, err := c.getOne(partName(user, i))
		if errors.Is(err, ErrNotFound) {
			return "", fmt.Errorf("%w: part %d of %d of the keyring entry %q is missing", ErrNotFound, i, n, user)
		}
		if err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	return b.String(), nil
}

// set writes the parts before the header that counts them, then deletes
// the parts an older, longer value left behind.
func (c chunked) set(user, value string) error {
	old, err := c.count(user)
	if err != nil {
		return err
	}
	var parts []string
	if !needsChunks(value) {
		if err := c.b.Set(Service, user, value); err != nil {
			return err
		}
	} else {
		parts = split(value)
		for i, p := range parts {
			if err := c.b.Set(Service, partName(user, i+1), p); err != nil {
				return err
			}
		}
		if err := c.b.Set(Service, user, chunkHeader+strconv.Itoa(len(parts))); err != nil {
			return err
		}
	}
	return c.deleteParts(user, len(parts)+1, old)
}

func (c chunked) delete(user string) error {
	n, err := c.count(user)
	if err != nil {
		return err
	}
	if err := c.deleteOne(user); err != nil {
		return err
	}
	return c.deleteParts(user, 1, n)
}

// count is the number of parts stored for user (0 when not chunked).
func (c chunked) count(user string) (int, error) {
	head, err := c.getOne(user)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n, _ := parseHeader(head)
	return n, nil
}

func (c chunked) deleteParts(user string, from, to int) error {
	for i := from; i <= to; i++ {
		if err := c.deleteOne(partName(user, i)); err != nil {
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

func parseHeader(v string) (int, bool) {
	rest, ok := strings.CutPrefix(v, chunkHeader)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 1 || n > maxChunks {
		return 0, false
	}
	return n, true
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
