package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

// syncBuffer is a log the server writes while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bundle is a static folder like the build's, with stories260K added in 64 KiB shards.
type bundle struct {
	dir      string
	model    []byte
	manifest *modelstore.Manifest
	secret   string // a file outside the folder that a symlink inside points to
}

func gz(t *testing.T, s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write([]byte(s))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func makeBundle(t *testing.T) *bundle {
	src := shared.Path(t, "models", "stories260K.gguf")
	model, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	js := strings.Repeat("console.log('hearth');\n", 50)
	dir := writeTree(t, map[string]string{
		"index.html":               "<!doctype html><title>Hearth</title>",
		"sw.js":                    "self.addEventListener('fetch', () => {});",
		"manifest.json":            `{"name":"Hearth"}`,
		"app.3fa2b9c1.js":          js,
		"app.3fa2b9c1.js.gz":       gz(t, js),
		"app.3fa2b9c1.js.br":       "pretend-brotli",
		"engine.0123abcd.wasm":     "\x00asm\x01\x00\x00\x00",
		"widget.js":                "customElements.define('hearth-chat', class extends HTMLElement {});",
		"embed.html":               "<!doctype html><title>Hearth embed</title>",
		"assets/icon.9f8e7d6c.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
	})
	outside := writeTree(t, map[string]string{"secret.txt": "TOP-SECRET"})
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(dir, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "leakdir")); err != nil {
		t.Fatal(err)
	}
	m, err := modelstore.Add(src, modelstore.Options{Static: dir, ShardSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return &bundle{dir: dir, model: model, manifest: m, secret: "TOP-SECRET"}
}

// startServer runs the real server on a loopback port until the test ends (or the returned
// stop is called); done receives run's result.
func startServer(t *testing.T, dir string, log io.Writer) (base string, stop func(), done <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	cfg := config{Addr: "127.0.0.1:0", Static: dir, Log: log, ShutdownTimeout: 20 * time.Second}
	go func() { errc <- run(ctx, cfg, func(a net.Addr) { addr <- a }) }()
	select {
	case a := <-addr:
		base = "http://" + a.String()
	case err := <-errc:
		t.Fatalf("server did not start: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("server did not start in 10 s")
	}
	t.Cleanup(cancel)
	return base, cancel, errc
}

// client does not decompress or add Accept-Encoding: the test sees the bytes as sent.
var client = &http.Client{
	Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 100},
	CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	},
}

type reply struct {
	code int
	h    http.Header
	body []byte
}

func get(t *testing.T, url string, headers ...string) reply {
	t.Helper()
	return request(t, "GET", url, headers...)
}

func request(t *testing.T, method, url string, headers ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{resp.StatusCode, resp.Header, b}
}

// raw sends a request line as is (no client-side cleaning) and returns the status code and
// the whole answer.
func raw(t *testing.T, base, requestLine string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s\r\nHost: test\r\nConnection: close\r\n\r\n", requestLine)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	all, _ := io.ReadAll(conn)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(all)), nil)
	if err != nil {
		t.Fatalf("%q: unreadable answer %q: %v", requestLine, all, err)
	}
	return resp.StatusCode, string(all)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestServerEndToEnd(t *testing.T) {
	b := makeBundle(t)
	log := &syncBuffer{}
	base, stop, done := startServer(t, b.dir, log)

	t.Run("headers", func(t *testing.T) {
		r := get(t, base+"/")
		want := map[string]string{
			"Cross-Origin-Opener-Policy":   "same-origin",
			"Cross-Origin-Embedder-Policy": "require-corp",
			"Cross-Origin-Resource-Policy": "same-origin",
			"Cache-Control":                "no-cache",
			"Content-Type":                 "text/html; charset=utf-8",
			"X-Content-Type-Options":       "nosniff",
		}
		for k, v := range want {
			if r.h.Get(k) != v {
				t.Errorf("/: %s %q, want %q", k, r.h.Get(k), v)
			}
		}
		csp := r.h.Get("Content-Security-Policy")
		if r.code != 200 || !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'") || !strings.Contains(csp, "frame-ancestors 'self'") {
			t.Errorf("/: %d CSP %q", r.code, csp)
		}
		e := get(t, base+"/embed")
		if e.code != 200 || !strings.Contains(e.h.Get("Content-Security-Policy"), "frame-ancestors *") ||
			e.h.Get("Cross-Origin-Resource-Policy") != "cross-origin" || e.h.Get("X-Frame-Options") != "" ||
			!strings.Contains(string(e.body), "Hearth embed") {
			t.Errorf("/embed: %d %v", e.code, e.h)
		}
		w := get(t, base+"/widget.js", "Origin", "https://blog.example")
		if w.h.Get("Access-Control-Allow-Origin") != "*" || w.h.Get("Cross-Origin-Resource-Policy") != "cross-origin" {
			t.Errorf("/widget.js: %v", w.h)
		}
		if r := get(t, base+"/healthz"); r.code != 200 || strings.TrimSpace(string(r.body)) != `{"status":"ok"}` ||
			!strings.HasPrefix(r.h.Get("Content-Type"), "application/json") {
			t.Errorf("/healthz: %d %q", r.code, r.body)
		}
		if r := request(t, "POST", base+"/index.html"); r.code != 405 || r.h.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST: %d Allow %q", r.code, r.h.Get("Allow"))
		}
		if r := request(t, "HEAD", base+"/sw.js"); r.code != 200 || len(r.body) != 0 || r.h.Get("Cache-Control") != "no-cache" {
			t.Errorf("HEAD /sw.js: %d %d bytes %q", r.code, len(r.body), r.h.Get("Cache-Control"))
		}
	})

	t.Run("mime and caching", func(t *testing.T) {
		shard := "/models/stories260K/" + b.manifest.Shards[0].File
		for _, c := range []struct{ path, ctype, cache string }{
			{"/index.html", "text/html; charset=utf-8", "no-cache"},
			{"/sw.js", "text/javascript; charset=utf-8", "no-cache"},
			{"/manifest.json", "application/manifest+json", "no-cache"},
			{"/app.3fa2b9c1.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
			{"/engine.0123abcd.wasm", "application/wasm", "public, max-age=31536000, immutable"},
			{"/assets/icon.9f8e7d6c.svg", "image/svg+xml", "public, max-age=31536000, immutable"},
			{"/models/index.json", "application/json", "no-cache"},
			{"/models/stories260K/manifest.json", "application/json", "no-cache"},
			{shard, "application/octet-stream", "public, max-age=31536000, immutable"},
		} {
			r := get(t, base+c.path)
			if r.code != 200 || r.h.Get("Content-Type") != c.ctype || r.h.Get("Cache-Control") != c.cache || r.h.Get("ETag") == "" {
				t.Errorf("%s: %d type %q cache %q etag %q; want %q %q", c.path, r.code, r.h.Get("Content-Type"),
					r.h.Get("Cache-Control"), r.h.Get("ETag"), c.ctype, c.cache)
			}
		}
		if r := get(t, base+"/missing.js"); r.code != 404 || r.h.Get("Cache-Control") != "no-store" {
			t.Errorf("404: %d cache %q", r.code, r.h.Get("Cache-Control"))
		}
	})

	t.Run("shards hash to the manifest", func(t *testing.T) {
		r := get(t, base+"/models/stories260K/manifest.json")
		if !bytes.Contains(r.body, []byte(b.manifest.SHA256)) {
			t.Fatal("served manifest lacks the file hash")
		}
		var all []byte
		for _, s := range b.manifest.Shards {
			r := get(t, base+"/models/stories260K/"+s.File)
			if r.code != 200 || sha(r.body) != s.SHA256 {
				t.Errorf("%s: %d, sha256 %s, manifest %s", s.File, r.code, sha(r.body), s.SHA256)
			}
			all = append(all, r.body...)
		}
		if !bytes.Equal(all, b.model) || sha(all) != b.manifest.SHA256 {
			t.Error("served shards do not concatenate to the model")
		}
	})

	t.Run("ranges", func(t *testing.T) {
		s := b.manifest.Shards[3]
		url := base + "/models/stories260K/" + s.File
		shard := b.model[s.Start:s.End]
		etag := get(t, url).h.Get("ETag")
		rng := rand.New(rand.NewSource(1))
		for i := 0; i < 20; i++ {
			a := rng.Intn(len(shard))
			e := a + rng.Intn(len(shard)-a)
			r := get(t, url, "Range", fmt.Sprintf("bytes=%d-%d", a, e))
			if r.code != 206 || !bytes.Equal(r.body, shard[a:e+1]) ||
				r.h.Get("Content-Range") != fmt.Sprintf("bytes %d-%d/%d", a, e, len(shard)) {
				t.Fatalf("bytes=%d-%d: %d %q, %d bytes", a, e, r.code, r.h.Get("Content-Range"), len(r.body))
			}
		}
		if r := get(t, url, "Range", "bytes=-100"); r.code != 206 || !bytes.Equal(r.body, shard[len(shard)-100:]) {
			t.Errorf("suffix range: %d", r.code)
		}
		if r := get(t, url, "Range", "bytes=1000-", "If-Range", etag); r.code != 206 || !bytes.Equal(r.body, shard[1000:]) {
			t.Errorf("If-Range current ETag: %d, %d bytes", r.code, len(r.body))
		}
		if r := get(t, url, "Range", "bytes=1000-", "If-Range", `"stale-etag"`); r.code != 200 || !bytes.Equal(r.body, shard) {
			t.Errorf("If-Range stale ETag: %d, %d bytes; want 200 and the whole shard", r.code, len(r.body))
		}
		if r := get(t, url, "If-None-Match", etag); r.code != 304 || r.h.Get("Cache-Control") == "" {
			t.Errorf("If-None-Match: %d cache %q", r.code, r.h.Get("Cache-Control"))
		}
		if r := get(t, url, "Range", fmt.Sprintf("bytes=%d-", len(shard))); r.code != 416 ||
			r.h.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(shard)) {
			t.Errorf("past the end: %d %q", r.code, r.h.Get("Content-Range"))
		}
		if r := get(t, url, "Range", "bytes=0-0,2-2,4-4,6-6,8-8"); r.code != 416 {
			t.Errorf("5 ranges: %d, want 416", r.code)
		}
		r := get(t, url, "Range", "bytes=0-9,100-199,-5", "Accept-Encoding", "gzip")
		_, params, _ := mime.ParseMediaType(r.h.Get("Content-Type"))
		mr := multipart.NewReader(bytes.NewReader(r.body), params["boundary"])
		var got [][]byte
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			pb, _ := io.ReadAll(p)
			got = append(got, pb)
		}
		want := [][]byte{shard[0:10], shard[100:200], shard[len(shard)-5:]}
		if r.code != 206 || len(got) != 3 || !bytes.Equal(got[0], want[0]) || !bytes.Equal(got[1], want[1]) || !bytes.Equal(got[2], want[2]) {
			t.Errorf("3 ranges: %d, %d parts", r.code, len(got))
		}
	})

	t.Run("precompressed", func(t *testing.T) {
		js, _ := os.ReadFile(filepath.Join(b.dir, "app.3fa2b9c1.js"))
		gzb, _ := os.ReadFile(filepath.Join(b.dir, "app.3fa2b9c1.js.gz"))
		for _, c := range []struct{ accept, rng, enc, body string }{
			{"gzip, deflate, br", "", "br", "pretend-brotli"},
			{"gzip", "", "gzip", string(gzb)},
			{"", "", "", string(js)},
			{"br", "bytes=0-6", "", string(js[:7])},
		} {
			r := get(t, base+"/app.3fa2b9c1.js", "Accept-Encoding", c.accept, "Range", c.rng)
			if r.h.Get("Content-Encoding") != c.enc || string(r.body) != c.body || r.h.Get("Vary") != "Accept-Encoding" ||
				r.h.Get("Content-Type") != "text/javascript; charset=utf-8" {
				t.Errorf("Accept-Encoding %q Range %q: encoding %q, %d bytes, Vary %q", c.accept, c.rng,
					r.h.Get("Content-Encoding"), len(r.body), r.h.Get("Vary"))
			}
		}
		if zr, err := gzip.NewReader(bytes.NewReader(gzb)); err != nil {
			t.Fatal(err)
		} else if plain, _ := io.ReadAll(zr); !bytes.Equal(plain, js) {
			t.Error("gzip variant does not decode to the file")
		}
		shard := "/models/stories260K/" + b.manifest.Shards[0].File
		if r := get(t, base+shard, "Accept-Encoding", "gzip, br"); r.h.Get("Content-Encoding") != "" {
			t.Errorf("shard sent with Content-Encoding %q", r.h.Get("Content-Encoding"))
		}
	})

	t.Run("nothing outside static", func(t *testing.T) {
		for _, c := range []struct {
			line string
			code int
		}{
			{"GET /../../../../etc/passwd HTTP/1.1", 400},
			{"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1", 400},
			{"GET /%2E%2E%2F%2E%2E%2Fetc%2Fpasswd HTTP/1.1", 400},
			{"GET /models/..%2f..%2f..%2fetc%2fpasswd HTTP/1.1", 400},
			{"GET /..%5c..%5cetc%5cpasswd HTTP/1.1", 400},
			{"GET /models/stories260K/../../../etc/passwd HTTP/1.1", 400},
			{"GET //etc/passwd HTTP/1.1", 400},
			{"GET /index.html%00.js HTTP/1.1", 400},
			{"GET /leak.txt HTTP/1.1", 404},
			{"GET /leakdir/secret.txt HTTP/1.1", 404},
			{"GET /.git/config HTTP/1.1", 404},
			{"GET /%zz HTTP/1.1", 400},
			{"GET /index.html HTTP/9.9", 505},
			{"NONSENSE", 400},
		} {
			code, body := raw(t, base, c.line)
			if code != c.code {
				t.Errorf("%q: %d, want %d", c.line, code, c.code)
			}
			if strings.Contains(body, b.secret) || strings.Contains(body, "root:") {
				t.Errorf("%q leaked a file outside static", c.line)
			}
		}
		if r := get(t, base+"/../etc/passwd"); r.code != 400 {
			t.Errorf("client-cleaned path: %d", r.code)
		}
	})

	t.Run("100 concurrent shard downloads", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				s := b.manifest.Shards[i%len(b.manifest.Shards)]
				req, _ := http.NewRequest("GET", base+"/models/stories260K/"+s.File, nil)
				want := b.model[s.Start:s.End]
				if i%3 == 1 { // every third one a range
					a := int64(i * 97 % int(s.End-s.Start))
					req.Header.Set("Range", fmt.Sprintf("bytes=%d-", a))
					want = want[a:]
				}
				resp, err := client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				defer resp.Body.Close()
				got, err := io.ReadAll(resp.Body)
				if err != nil || !bytes.Equal(got, want) {
					errs <- fmt.Errorf("download %d (%s, Range %q): %v, %d bytes, want %d", i, s.File, req.Header.Get("Range"), err, len(got), len(want))
				}
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	// Connections the client dialed but never used count as busy for 5 s in Shutdown.
	client.CloseIdleConnections()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	if l := log.String(); !strings.Contains(l, `"GET /healthz HTTP/1.1" 200`) || !strings.Contains(l, "stopped") {
		t.Errorf("access log lacks lines:\n%.2000s", l)
	}
}

// TestServerGracefulShutdown sends the process SIGTERM while a 32 MiB shard is half-way
// through: the listener closes, the download still finishes byte-exact, run returns nil.
func TestServerGracefulShutdown(t *testing.T) {
	big := make([]byte, 32<<20)
	rand.New(rand.NewSource(2)).Read(big)
	name := "shard-000." + sha(big)[:16] + ".bin"
	dir := writeTree(t, map[string]string{"models/big/" + name: string(big)})
	log := &syncBuffer{}
	base, _, done := startServer(t, dir, log)

	resp, err := client.Get(base + "/models/big/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The listener closes while the download is still open.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 10 s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("run returned (%v) before the in-flight download finished", err)
	default:
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("in-flight download cut by shutdown: %v", err)
	}
	if got := append(head, rest...); !bytes.Equal(got, big) {
		t.Fatalf("download after SIGTERM: %d bytes, differ from the %d-byte shard", len(got), len(big))
	}
	resp.Body.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop after the download finished")
	}
	if !strings.Contains(log.String(), "shutting down") {
		t.Errorf("log: %s", log.String())
	}
}
