package widgettest

import (
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// countingProxy stands in front of the Hearth server and counts the GET requests for each
// model shard: the browser knows the Hearth origin as the proxy's, so every shard it
// fetches over the network passes here.
type countingProxy struct {
	URL     string // "http://127.0.0.1:PORT/": the Hearth host the pages embed
	mu      sync.Mutex
	shards  map[string]int // request path -> count
	isShard func(path string) bool
}

func startProxy(t *testing.T, target string, isShard func(string) bool) *countingProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // pass bytes on as they come: progress events stay real
	p := &countingProxy{shards: map[string]int{}, isShard: isShard}
	p.URL = serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && p.isShard(r.URL.Path) {
			p.mu.Lock()
			p.shards[r.URL.Path]++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	return p
}

// take returns the shard requests counted since the last take, and starts again.
func (p *countingProxy) take() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.shards
	p.shards = map[string]int{}
	return got
}

// hostSite is an embedding site: plain net/http on its own loopback port, serving fixed
// pages with the headers given (none, for an ordinary site).
func hostSite(t *testing.T, pages map[string]string, headers map[string]string) string {
	t.Helper()
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/favicon.ico" {
			w.WriteHeader(http.StatusNoContent) // the browser asks for one; the pages have none
			return
		}
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		switch {
		case strings.HasSuffix(r.URL.Path, ".css"):
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
		case strings.HasSuffix(r.URL.Path, ".svg"):
			w.Header().Set("Content-Type", "image/svg+xml")
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(body))
	}))
}

// serve runs h on a new loopback port until the test ends and returns its base URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// origin is a base URL without its trailing slash, as a CSP source or an origin.
func origin(base string) string {
	return strings.TrimSuffix(base, "/")
}

// deadURL is a loopback URL nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + ln.Addr().String() + "/"
	ln.Close()
	return u
}
