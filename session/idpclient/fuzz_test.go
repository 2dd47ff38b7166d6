package idpclient

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

// FuzzRepairTokenReply: whatever expires_in a token reply has, the
// repaired reply is one x/oauth2 can read (an integer in int32 range, or
// none) and keeps every other field.
func FuzzRepairTokenReply(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"a","refresh_token":"r","expires_in":3600}`,
		`{"access_token":"a","expires_in":"3600"}`,
		`{"access_token":"a","expires_in":"soon"}`,
		`{"access_token":"a","expires_in":3600.5}`,
		`{"access_token":"a","expires_in":-1}`,
		`{"access_token":"a","expires_in":1e300}`,
		`{"access_token":"a","expires_in":null}`,
		`{"access_token":"a","expires_in":{"x":[1]}}`,
		`[1,2]`, `not json`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, changed := RepairTokenReply(data)
		if !changed {
			return
		}
		var before, after map[string]json.RawMessage
		if json.Unmarshal(data, &before) != nil || json.Unmarshal(out, &after) != nil {
			t.Fatalf("changed a reply that is not a JSON object, or broke it: %q -> %q", data, out)
		}
		if raw, ok := after["expires_in"]; ok {
			var n int64
			if err := json.Unmarshal(raw, &n); err != nil || n < math.MinInt32 || n > math.MaxInt32 {
				t.Fatalf("expires_in %s is still not an int32", raw)
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok && k != "expires_in" {
				t.Fatalf("field %q lost", k)
			}
		}
	})
}

// FuzzLifetime: any expires_in gives a lifetime the scheduler can live
// with, and Seconds never panics.
func FuzzLifetime(f *testing.F) {
	f.Add([]byte(`3600`))
	f.Add([]byte(`"-5"`))
	f.Add([]byte(`1e999`))
	f.Add([]byte(`"NaN"`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		secs, _ := Seconds(raw)
		if l := Lifetime(secs); l <= 0 || l > MaxLifetime {
			t.Fatalf("Lifetime(%d) = %v", secs, l)
		} else if secs <= 0 && l != DefaultLifetime {
			t.Fatalf("Lifetime(%d) = %v, want the default", secs, l)
		}
		_ = time.Duration(secs)
	})
}
