package idpclient

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The lifetime of an access token whose reply says nothing usable, and the
// longest one believed. A missing, zero, negative or unreadable expires_in
// gets DefaultLifetime: short enough that tools are never handed a token
// long dead, long enough that the scheduler (which refreshes at the latest
// half-way) never loops. An absurd expires_in (a year, MaxInt32) is capped,
// so a hostile reply cannot stop refreshes for good.
const (
	DefaultLifetime = 5 * time.Minute
	MaxLifetime     = 24 * time.Hour
)

// Lifetime turns an expires_in in seconds into the lifetime to plan with.
func Lifetime(secs int64) time.Duration {
	if secs <= 0 {
		return DefaultLifetime
	}
	if secs > int64(MaxLifetime/time.Second) {
		return MaxLifetime
	}
	return time.Duration(secs) * time.Second
}

// Seconds reads an expires_in as IdPs send it: a JSON number (integer or
// not) or a numeric string. ok is false for anything else.
func Seconds(raw json.RawMessage) (secs int64, ok bool) {
	s := strings.TrimSpace(string(raw))
	if unq, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		s = strings.TrimSpace(unq)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	switch {
	case f >= math.MaxInt32:
		return math.MaxInt32, true
	case f <= math.MinInt32:
		return math.MinInt32, true
	}
	return int64(f), true
}

// repairExpiresIn rewrites a token reply whose expires_in x/oauth2 cannot
// parse ("3600.0", "soon", an object): x/oauth2 would fail the whole reply
// and with it a rotated refresh token the IdP has already switched to.
// A readable value becomes an integer, an unreadable one is dropped (and
// Lifetime then assumes DefaultLifetime). Other replies pass unchanged.
func repairExpiresIn(resp *http.Response) {
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		resp.Body = io.NopCloser(errReader{err})
		return
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	fixed, ok := RepairTokenReply(data)
	if ok {
		resp.Body = io.NopCloser(bytes.NewReader(fixed))
		resp.ContentLength = int64(len(fixed))
		resp.Header.Del("Content-Length")
	}
}

// RepairTokenReply returns the reply with its expires_in made an integer
// or removed, and whether it changed anything.
func RepairTokenReply(data []byte) ([]byte, bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(data, &fields) != nil {
		return data, false
	}
	raw, ok := fields["expires_in"]
	if !ok {
		return data, false
	}
	var n int64
	if json.Unmarshal(raw, &n) == nil && n >= math.MinInt32 && n <= math.MaxInt32 {
		return data, false // x/oauth2 reads it as it is
	}
	if secs, ok := Seconds(raw); ok {
		fields["expires_in"] = json.RawMessage(strconv.FormatInt(secs, 10))
	} else {
		delete(fields, "expires_in")
	}
	out, err := json.Marshal(fields)
	if err != nil {
		return data, false
	}
	return out, true
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
