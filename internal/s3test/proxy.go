package s3test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/fsmon/fsmon/internal/blob"
)

// Proxy is a reverse proxy in front of a Server that injects the faults of
// a real S3 endpoint under load: latency on every request, 503 SlowDown
// answers (with S3's XML error body), and connections dropped in the middle
// of a response body. Requests keep their Host header, so SigV4 signatures
// made for the proxy still verify at the server.
type Proxy struct {
	// URL is the proxy's endpoint.
	URL    string
	server *Server
	target *url.URL
	rp     *httputil.ReverseProxy

	mu       sync.Mutex
	latency  time.Duration
	slowDown int // answers left to throttle; <0: every one
	drops    int // bodies left to cut; <0: every one
	match    func(*http.Request) bool
	onDrop   func()
	stats    ProxyStats
}

// ProxyStats counts what the proxy did.
type ProxyStats struct {
	// Requests is every request received; SlowDowns those answered 503;
	// Drops the responses cut mid-body.
	Requests, SlowDowns, Drops int
	// Paths counts requests by URL path (/bucket/key).
	Paths map[string]int
}

// NewProxy starts a proxy in front of s, closed when tb ends.
func NewProxy(tb testing.TB, s *Server) *Proxy {
	tb.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		tb.Fatal(err)
	}
	p := &Proxy{server: s, target: target}
	p.rp = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host // what the client signed
	}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Options reach the server through the proxy, with its credentials.
func (p *Proxy) Options() blob.S3Options {
	o := p.server.Options()
	o.Endpoint = p.URL
	return o
}

// SetLatency delays every request by d before it is forwarded.
func (p *Proxy) SetLatency(d time.Duration) {
	p.mu.Lock()
	p.latency = d
	p.mu.Unlock()
}

// SlowDown answers the next n matching requests with 503 SlowDown; n < 0
// throttles every one until SlowDown(0).
func (p *Proxy) SlowDown(n int) {
	p.mu.Lock()
	p.slowDown = n
	p.mu.Unlock()
}

// DropBodies cuts the next n matching responses that have a body: the
// headers and half the body are sent, then the connection is closed. n < 0
// cuts every one until DropBodies(0).
func (p *Proxy) DropBodies(n int) {
	p.mu.Lock()
	p.drops = n
	p.mu.Unlock()
}

// Only limits SlowDown and DropBodies to the requests f accepts (nil: all).
func (p *Proxy) Only(f func(*http.Request) bool) {
	p.mu.Lock()
	p.match = f
	p.mu.Unlock()
}

// OnDrop runs f in each cut response after half its body is sent and
// before the connection closes (nil: nothing): the client is then waiting
// for the rest.
func (p *Proxy) OnDrop(f func()) {
	p.mu.Lock()
	p.onDrop = f
	p.mu.Unlock()
}

// RangedGets accepts ranged GETs (the reads of object data).
func RangedGets(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get("Range") != ""
}

// Stats returns the counts so far and resets them.
func (p *Proxy) Stats() ProxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	p.stats = ProxyStats{}
	return s
}

// fault decides what happens to r.
func (p *Proxy) fault(r *http.Request) (latency time.Duration, slow, drop bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Requests++
	if p.stats.Paths == nil {
		p.stats.Paths = map[string]int{}
	}
	p.stats.Paths[r.URL.Path]++
	if p.match != nil && !p.match(r) {
		return p.latency, false, false
	}
	if p.slowDown != 0 {
		if p.slowDown > 0 {
			p.slowDown--
		}
		p.stats.SlowDowns++
		return p.latency, true, false
	}
	if p.drops != 0 && r.Method == http.MethodGet {
		if p.drops > 0 {
			p.drops--
		}
		p.stats.Drops++
		return p.latency, false, true
	}
	return p.latency, false, false
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	latency, slow, drop := p.fault(r)
	if latency > 0 {
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case slow:
		// What S3 sends when a prefix is over its request rate.
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		if r.Method != http.MethodHead {
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
				`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><Resource>%s</Resource><RequestId>FSMONPROXY</RequestId></Error>`, r.URL.Path)
		}
	case drop:
		p.dropMidBody(w, r)
	default:
		p.rp.ServeHTTP(w, r)
	}
}

// dropMidBody forwards r, sends the response's headers and half its body,
// then closes the connection under the client.
func (p *Proxy) dropMidBody(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.RequestURI = ""
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || len(body) < 2 {
		// Nothing to cut: answer as the server did.
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(body)
		return
	}
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(resp.StatusCode)
	w.Write(body[:len(body)/2])
	w.(http.Flusher).Flush()
	p.mu.Lock()
	f := p.onDrop
	p.mu.Unlock()
	if f != nil {
		f()
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // closes the connection all the same
	}
	conn.Close()
}
