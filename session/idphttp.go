package session

import (
	"net/http"
	"sync"
	"time"
)

// skewMeter measures how far the local clock is from an IdP's, from the
// Date header of its replies. Date has one-second resolution, which is
// plenty against a tolerance of minutes.
type skewMeter struct {
	mu       sync.Mutex
	offset   time.Duration // local minus IdP
	measured bool
}

func (m *skewMeter) observe(local, remote time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.offset = local.Sub(remote).Truncate(time.Second)
	m.measured = true
}

func (m *skewMeter) get() (time.Duration, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offset, m.measured
}

// dateTransport records the Date header of every reply.
type dateTransport struct {
	base  http.RoundTripper
	meter *skewMeter
}

func (t dateTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		if d, perr := http.ParseTime(resp.Header.Get("Date")); perr == nil {
			// Compare with the machine's real clock: skew is a property of
			// this computer, not of the scheduler's (possibly fake) clock.
			t.meter.observe(time.Now(), d)
		}
	}
	return resp, err
}

// newIdPClient returns the HTTP client a provider uses: bounded in time
// (x/oauth2 defaults to http.DefaultClient, which never times out), with
// proxies and system CAs as usual, measuring clock skew on the way.
func newIdPClient(meter *skewMeter, timeout time.Duration) *http.Client {
	base := http.DefaultTransport.(*http.Transport).Clone()
	base.TLSHandshakeTimeout = 10 * time.Second
	base.ResponseHeaderTimeout = timeout
	return &http.Client{
		Timeout:   timeout,
		Transport: dateTransport{base: base, meter: meter},
	}
}
