//go:build !js

package hub

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeHub stands in for the model hub on loopback: /o/r/resolve/main/m.gguf redirects to
// /cdn/m.gguf, which serves content with Range and If-Range (http.ServeContent), or the
// whole file every time when noRange is set. While cuts is not empty, each response takes
// its first element and is cut after that many body bytes by closing the hijacked
// connection.
type fakeHub struct {
	mu      sync.Mutex
	content []byte
	etag    string
	noRange bool
	cuts    []int
	log     []request // every request to /cdn/
}

type request struct{ rng, ifRange string }

func newFakeHub(t *testing.T, content []byte) (*fakeHub, *httptest.Server) {
	h := &fakeHub{content: content, etag: `"v1"`}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv
}

func (h *fakeHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/o/r/resolve/main/m.gguf":
		http.Redirect(w, r, "/cdn/m.gguf", http.StatusFound)
		return
	case "/cdn/m.gguf":
	default:
		http.NotFound(w, r)
		return
	}
	h.mu.Lock()
	h.log = append(h.log, request{r.Header.Get("Range"), r.Header.Get("If-Range")})
	content, etag, noRange := h.content, h.etag, h.noRange
	drop, dropAfter := len(h.cuts) > 0, 0
	if drop {
		dropAfter, h.cuts = h.cuts[0], h.cuts[1:]
	}
	h.mu.Unlock()

	// Render the answer first, then send it whole or cut short.
	rec := httptest.NewRecorder()
	rec.Header().Set("ETag", etag)
	if noRange {
		rec.Header().Set("Content-Length", fmt.Sprint(len(content)))
		rec.WriteHeader(http.StatusOK)
		rec.Write(content)
	} else {
		http.ServeContent(rec, r, "m.gguf", time.Time{}, bytes.NewReader(content))
	}
	if !drop {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		return
	}
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	fmt.Fprintf(buf, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
	rec.Header().Write(buf)
	buf.WriteString("\r\n")
	body := rec.Body.Bytes()
	buf.Write(body[:min(dropAfter, len(body))])
	buf.Flush()
}

func (h *fakeHub) requests() []request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]request(nil), h.log...)
}

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func fastOptions() Options {
	return Options{Backoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
}

func download(t *testing.T, srv *httptest.Server, dest string, opt Options) error {
	t.Helper()
	ref, err := ParseRef("o/r/m.gguf")
	if err != nil {
		t.Fatal(err)
	}
	u, err := ref.URL(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return Download(context.Background(), u, dest, opt)
}

func checkFile(t *testing.T, dest string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes, differ from the served %d bytes", dest, len(got), len(want))
	}
	for _, leftover := range []string{dest + ".part", dest + ".part.json"} {
		if _, err := os.Stat(leftover); err == nil {
			t.Errorf("%s left behind", leftover)
		}
	}
}

func TestDownloadFollowsRedirect(t *testing.T) {
	content := randomBytes(700_000, 1)
	h, srv := newFakeHub(t, content)
	dest := filepath.Join(t.TempDir(), "m.gguf")
	var progress bytes.Buffer
	opt := fastOptions()
	opt.Progress = &progress
	if err := download(t, srv, dest, opt); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	if reqs := h.requests(); len(reqs) != 1 || reqs[0].rng != "" {
		t.Errorf("requests %+v, want one without Range", reqs)
	}
	if !strings.Contains(progress.String(), "683.6 KiB / 683.6 KiB") {
		t.Errorf("final progress line missing: %q", progress.String())
	}
}

func TestDownloadResumesDroppedConnection(t *testing.T) {
	content := randomBytes(1_000_000, 2)
	h, srv := newFakeHub(t, content)
	h.cuts = []int{300_000, 300_000}
	dest := filepath.Join(t.TempDir(), "m.gguf")
	if err := download(t, srv, dest, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	want := []request{{"", ""}, {"bytes=300000-", `"v1"`}, {"bytes=600000-", `"v1"`}}
	if got := h.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %v, want %v", got, want)
	}
}

func TestDownloadResumesAcrossRuns(t *testing.T) {
	content := randomBytes(500_000, 3)
	h, srv := newFakeHub(t, content)
	h.cuts = []int{200_000, 0}
	dest := filepath.Join(t.TempDir(), "m.gguf")
	opt := fastOptions()
	opt.Retries = 1
	// A run that gives up half-way (one cut after 200 kB, then one before any byte), then
	// a second run that resumes its .part.
	err := download(t, srv, dest, opt)
	if err == nil || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("run cut short twice: err = %v, want giving up", err)
	}
	fi, err := os.Stat(dest + ".part")
	if err != nil {
		t.Fatalf("no .part kept for resuming: %v", err)
	}
	have := fi.Size()
	if have == 0 || have >= int64(len(content)) {
		t.Fatalf(".part has %d bytes, want a proper prefix", have)
	}
	h.mu.Lock()
	h.log = nil
	h.mu.Unlock()
	if err := download(t, srv, dest, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	want := []request{{fmt.Sprintf("bytes=%d-", have), `"v1"`}}
	if got := h.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("second run requests %v, want %v", got, want)
	}
}

func TestDownloadWithoutRangeSupport(t *testing.T) {
	content := randomBytes(400_000, 4)
	h, srv := newFakeHub(t, content)
	h.noRange, h.cuts = true, []int{150_000}
	dest := filepath.Join(t.TempDir(), "m.gguf")
	var progress bytes.Buffer
	opt := fastOptions()
	opt.Progress = &progress
	if err := download(t, srv, dest, opt); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	reqs := h.requests()
	if len(reqs) != 2 || reqs[1].rng != "bytes=150000-" {
		t.Errorf("requests %v, want a first one and a Range retry", reqs)
	}
	if !strings.Contains(progress.String(), "restarting from 0") {
		t.Errorf("restart not reported: %q", progress.String())
	}
}

func TestDownloadRestartsWhenFileChanged(t *testing.T) {
	old := randomBytes(300_000, 5)
	h, srv := newFakeHub(t, old)
	h.cuts = []int{120_000, 0}
	dest := filepath.Join(t.TempDir(), "m.gguf")
	opt := fastOptions()
	opt.Retries = 1
	if err := download(t, srv, dest, opt); err == nil {
		t.Fatal("want an error from a run cut short twice")
	}
	updated := randomBytes(350_000, 6)
	h.mu.Lock()
	h.content, h.etag, h.log = updated, `"v2"`, nil
	h.mu.Unlock()
	if err := download(t, srv, dest, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, updated)
	if reqs := h.requests(); len(reqs) != 1 || reqs[0].ifRange != `"v1"` {
		t.Errorf("requests %v, want one If-Range with the old validator answered in full", reqs)
	}
}

func TestDownloadNotFound(t *testing.T) {
	h, srv := newFakeHub(t, []byte("x"))
	ref := Ref{Repo: "o/r", File: "missing.gguf"}
	u, _ := ref.URL(srv.URL)
	dest := filepath.Join(t.TempDir(), "missing.gguf")
	err := Download(context.Background(), u, dest, fastOptions())
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "missing.gguf") {
		t.Fatalf("err = %v, want a 404 naming the file", err)
	}
	if len(h.requests()) != 0 {
		t.Errorf("404 should not reach the file handler")
	}
	if _, err := os.Stat(dest); err == nil {
		t.Error("destination created for a 404")
	}
}

func TestDownloadGivesUpWhenNothingArrives(t *testing.T) {
	h, srv := newFakeHub(t, randomBytes(10_000, 7))
	h.cuts = make([]int, 1000)
	opt := fastOptions()
	opt.Retries = 3
	err := download(t, srv, filepath.Join(t.TempDir(), "m.gguf"), opt)
	if err == nil || !strings.Contains(err.Error(), "giving up after 4 attempts") {
		t.Fatalf("err = %v, want giving up after 4 attempts", err)
	}
	if n := len(h.requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
}

func TestDownloadServerErrorRetried(t *testing.T) {
	content := randomBytes(50_000, 8)
	fails := 2
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := fails > 0
		fails--
		mu.Unlock()
		if fail {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("ETag", `"e"`)
		http.ServeContent(w, r, "m.gguf", time.Time{}, bytes.NewReader(content))
	}))
	defer srv.Close()
	dest := filepath.Join(t.TempDir(), "m.gguf")
	if err := Download(context.Background(), srv.URL+"/m.gguf", dest, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
}

func TestDownloadCancelled(t *testing.T) {
	h, srv := newFakeHub(t, randomBytes(10_000, 9))
	h.cuts = make([]int, 1000)
	ctx, cancel := context.WithCancel(context.Background())
	opt := fastOptions()
	opt.Backoff, opt.MaxBackoff = time.Hour, time.Hour
	done := make(chan error)
	go func() {
		done <- Download(ctx, srv.URL+"/cdn/m.gguf", filepath.Join(t.TempDir(), "m.gguf"), opt)
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Download ignored cancellation during backoff")
	}
}

func TestDownloadCompletedPartIsNotFetchedAgain(t *testing.T) {
	content := randomBytes(200_000, 10)
	h, srv := newFakeHub(t, content)
	dest := filepath.Join(t.TempDir(), "m.gguf")
	u := srv.URL + "/o/r/resolve/main/m.gguf"
	// What a run that was stopped between the last byte and the rename leaves behind.
	if err := os.WriteFile(dest+".part", content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (partState{URL: u, Validator: `"v1"`, Total: int64(len(content))}).save(dest + ".part.json"); err != nil {
		t.Fatal(err)
	}
	if err := Download(context.Background(), u, dest, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	want := []request{{"bytes=200000-", `"v1"`}}
	if got := h.requests(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("requests %v, want %v (answered 416: nothing left to fetch)", got, want)
	}

	// The same leftover when the file has changed on the hub: fetched again whole.
	os.WriteFile(dest+".part", content, 0o644)
	(partState{URL: u, Validator: `"v0"`, Total: int64(len(content))}).save(dest + ".part.json")
	if err := Download(context.Background(), u, dest, fastOptions()); err != nil {
		t.Fatal(err)
	}
	checkFile(t, dest, content)
	if reqs := h.requests(); len(reqs) != 2 || reqs[1].ifRange != `"v0"` {
		t.Errorf("requests %v", reqs)
	}
}

func TestDownloadAccessDenied(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gated", http.StatusUnauthorized)
	}))
	defer srv.Close()
	err := Download(context.Background(), srv.URL+"/o/r/resolve/main/m.gguf", filepath.Join(t.TempDir(), "m.gguf"), fastOptions())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "gated") {
		t.Errorf("err = %v", err)
	}
}
