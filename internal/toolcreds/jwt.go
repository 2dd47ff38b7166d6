package toolcreds

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// IDTokenExpiry reads the exp claim of a JWT. It does not check the
// signature: the token came straight from the IdP over TLS, and only its
// lifetime is wanted, so kubectl is not told to cache it for longer.
func IDTokenExpiry(jwt string) (time.Time, error) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}, errors.New("the ID token is not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, errors.New("the ID token's payload is not base64url")
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}, errors.New("the ID token's payload is not JSON")
	}
	sec, err := claims.Exp.Float64()
	if err != nil || sec <= 0 {
		return time.Time{}, errors.New("the ID token has no exp claim")
	}
	return time.Unix(int64(sec), 0), nil
}
