package health

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Each test makes x/oauth2 meet a real network failure on 127.0.0.1.

func wantUnreachable(t *testing.T, err error, detail ...string) {
	t.Helper()
	d := Classify(err)
	if d.Reason != IdPUnreachable || !d.Transient || d.RefreshTokenDead() {
		t.Fatalf("got %+v for %v, want a transient idp_unreachable", d, err)
	}
	for _, s := range detail {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail = %q, want it to contain %q", d.Detail, s)
		}
	}
	checkDetailShape(t, d.Detail)
}

// listen returns a loopback listener that is closed when the test ends.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func TestClassifyConnectionRefused(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	wantUnreachable(t, refresh(t, nil, "http://"+addr+"/token", "rt"), "connection to "+addr+" refused")
}

func TestClassifyConnectionReset(t *testing.T) {
	ln := listen(t)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.(*net.TCPConn).SetLinger(0) // close with RST
			c.Close()
		}
	}()
	wantUnreachable(t, refresh(t, nil, "http://"+ln.Addr().String()+"/token", "rt"), ln.Addr().String())
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	conns := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		for {
			select {
			case c := <-conns:
				c.Close()
			default:
				return
			}
		}
	})
	return ln.Addr().String()
}

func TestClassifyClientTimeout(t *testing.T) {
	addr := silentServer(t)
	client := &http.Client{Timeout: 100 * time.Millisecond}
	wantUnreachable(t, refresh(t, client, "http://"+addr+"/token", "rt"), "no answer from "+addr)
}

func TestClassifyContextDeadline(t *testing.T) {
	addr := silentServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	wantUnreachable(t, refreshCtx(t, ctx, nil, "http://"+addr+"/token", "rt"), "no answer from "+addr)
}

func TestClassifyTruncatedReply(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"error\":")
		buf.Flush()
	})
	// x/oauth2 flattens this read error with %v; only its text is left.
	wantUnreachable(t, refresh(t, nil, srv.URL, "rt"), "closed before")
}

// nxdomainServer is a DNS server on 127.0.0.1 that knows no names.
func nxdomainServer(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			// Answer with the header and question only: QR, same opcode
			// and RD, RA, RCODE 3 (NXDOMAIN), no other records.
			end := 12
			for end < n && buf[end] != 0 {
				end += int(buf[end]) + 1
			}
			end += 5 // root label, QTYPE, QCLASS
			if n < 12 || end > n {
				continue
			}
			resp := append([]byte(nil), buf[:end]...)
			resp[2] = 0x80 | buf[2]&0x79
			resp[3] = 0x83
			clear(resp[6:12])
			pc.WriteTo(resp, from)
		}
	}()
	return pc.LocalAddr().String()
}

func TestClassifyDNSNotFound(t *testing.T) {
	dnsAddr := nxdomainServer(t)
	resolver := &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "udp", dnsAddr)
		},
	}
	client := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{DialContext: (&net.Dialer{Resolver: resolver}).DialContext},
	}
	wantUnreachable(t, refresh(t, client, "http://id.example.test/token", "rt"), "cannot resolve id.example.test", "no such host")
}
