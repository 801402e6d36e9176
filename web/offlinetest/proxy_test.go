package offlinetest

import (
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"path"
	"strings"
	"sync"
	"testing"
	"time"
)

// proxy stands in front of the real Hearth server on its own fixed loopback port, so the
// page's origin survives the server stopping: it logs every request for a file of the test
// model, and can corrupt, cut or hold a response on the way (see rule). With the server
// stopped it closes each connection, as a host that went away does. It also serves
// /offlinetest/blank.html, a page of nothing on the same origin, where a test drives
// download.js without the app's own UI making requests of its own.
type proxy struct {
	URL string
	t   *testing.T
	srv *http.Server

	mu   sync.Mutex
	log  []request
	rule func(file string, nth int) action // nil: pass everything through
	held chan string                       // a file's name each time a response is held
	free chan struct{}                     // closed to let held responses continue (cut)
}

// request is one request for a model file, as the proxy saw it.
type request struct {
	File    string // base name under models/<id>/
	Range   string
	IfRange string
	Status  int
	Bytes   int64 // body bytes passed on to the browser
}

// action is what the proxy does to one response body.
type action struct {
	corruptAt int64         // flip the byte at this offset of the body when > 0
	cutAt     int64         // after this many bytes, drop the connection (when > 0)
	holdAt    int64         // after this many bytes, wait for release, then drop the connection
	pace      time.Duration // wait this long before each read of the body (a slower network)
}

func newProxy(t *testing.T, upstream string) *proxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{URL: "http://" + ln.Addr().String() + "/", t: t, held: make(chan string, 16), free: make(chan struct{})}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1 // pass every byte on at once: a held response has sent what it sent
	rp.ModifyResponse = p.modify
	rp.ErrorLog = quietLog()
	// A cut body ends the handler with http.ErrAbortHandler (ReverseProxy's answer to a body
	// that fails midway): the browser sees the connection close before the end.
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		// The server is gone: the browser sees the connection close, as with no server.
		if conn, _, herr := http.NewResponseController(w).Hijack(); herr == nil {
			conn.Close()
			return
		}
		panic(http.ErrAbortHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/offlinetest/blank.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cache-Control", "no-store")
		io.WriteString(w, `<!doctype html><title>offlinetest</title><link rel="icon" href="data:,"><p>download.js test page</p>`)
	})
	mux.Handle("/", rp)
	p.srv = &http.Server{Handler: mux, ErrorLog: quietLog()}
	go p.srv.Serve(ln)
	t.Cleanup(func() {
		p.release()
		p.srv.Close()
	})
	return p
}

var errCut = errors.New("offlinetest: connection cut")

func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

// setRule replaces the rule and clears the log.
func (p *proxy) setRule(rule func(file string, nth int) action) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rule = rule
	p.log = nil
}

// release lets every held response go on (to be cut); later holds do not wait.
func (p *proxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.free:
	default:
		close(p.free)
	}
}

// requests returns the logged requests for file (all when file is "").
func (p *proxy) requests(file string) []request {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []request
	for _, r := range p.log {
		if file == "" || r.File == file {
			out = append(out, r)
		}
	}
	return out
}

// modelFile returns the base name of a request for a file of the test model, or "".
func modelFile(r *http.Request) string {
	if !strings.HasPrefix(r.URL.Path, "/models/") || strings.HasSuffix(r.URL.Path, "/index.json") {
		return ""
	}
	return path.Base(r.URL.Path)
}

func (p *proxy) modify(res *http.Response) error {
	file := modelFile(res.Request)
	if file == "" {
		return nil
	}
	p.mu.Lock()
	nth := 1
	for _, r := range p.log {
		if r.File == file {
			nth++
		}
	}
	p.log = append(p.log, request{File: file, Range: res.Request.Header.Get("Range"), IfRange: res.Request.Header.Get("If-Range"), Status: res.StatusCode})
	i := len(p.log) - 1
	var a action
	if p.rule != nil {
		a = p.rule(file, nth)
	}
	p.mu.Unlock()
	res.Body = &body{ReadCloser: res.Body, p: p, i: i, file: file, a: a, req: res.Request}
	return nil
}

// body passes a response body on, counting it and applying the action.
type body struct {
	io.ReadCloser
	p    *proxy
	i    int
	file string
	a    action
	req  *http.Request
	off  int64
}

func (b *body) Read(buf []byte) (int, error) {
	if b.a.pace > 0 {
		time.Sleep(b.a.pace)
	}
	limit := int64(-1)
	if b.a.cutAt > 0 {
		limit = b.a.cutAt
	}
	if b.a.holdAt > 0 {
		limit = b.a.holdAt
	}
	if limit >= 0 && b.off >= limit {
		if b.a.holdAt > 0 {
			b.p.held <- b.file
			select {
			case <-b.p.free:
			case <-b.req.Context().Done():
			}
		}
		return 0, errCut
	}
	if limit >= 0 && int64(len(buf)) > limit-b.off {
		buf = buf[:limit-b.off]
	}
	n, err := b.ReadCloser.Read(buf)
	if c := b.a.corruptAt; c > 0 && c >= b.off && c < b.off+int64(n) {
		buf[c-b.off] ^= 0x5a
	}
	b.off += int64(n)
	b.p.mu.Lock()
	b.p.log[b.i].Bytes += int64(n)
	b.p.mu.Unlock()
	return n, err
}
