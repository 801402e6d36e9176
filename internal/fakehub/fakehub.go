// Package fakehub is a local stand-in for the Hugging Face hub, for tests: a real HTTP
// server on loopback (127.0.0.1, real TCP) that speaks the hub's URLs and headers and can
// misbehave on purpose, per file.
//
// What it serves, as huggingface.co does for an LFS file such as a GGUF:
//
//   - GET/HEAD /{owner}/{repo}/resolve/{rev}/{file}: a 302 to the file's CDN address, with
//     X-Linked-Etag ("<sha256 hex>", quoted), X-Linked-Size, ETag (the same quoted
//     sha256), X-Repo-Commit and an absolute Location. A client learns the expected hash
//     and size with a HEAD that does not follow the redirect (huggingface_hub does this).
//   - GET/HEAD /cdn-lfs/{owner}/{repo}/{file}?oid=…: the bytes, with an opaque ETag that
//     changes with the content (like the CDN's, it is not the sha256), Accept-Ranges,
//     Range / If-Range / 206 / 416 (Content-Range "bytes */SIZE"). The real CDN address is
//     content-addressed; this one serves the file's current version, so a file replaced
//     between requests can be served to a client that resumes.
//   - GET /api/models/{owner}/{repo}/tree/{rev}[/{dir}]: JSON entries
//     {"type":"file","oid":"<git blob sha1 of the LFS pointer>","size":N,"path":"…",
//     "lfs":{"oid":"<sha256 hex>","size":N,"pointerSize":P}}.
//   - CORS as the hub sends it on every answer (Access-Control-Allow-Origin: *, and
//     Access-Control-Expose-Headers with Content-Range, Content-Length, ETag,
//     Accept-Ranges, X-Linked-Etag, X-Linked-Size, X-Repo-Commit, …), preflights included,
//     so a page on another origin can fetch from it.
//
// rev is "main" or the fake commit (Hub.Commit). A missing file is 404 with
// X-Error-Code: EntryNotFound; a missing repository 401 with RepoNotFound (the hub's answer
// to an anonymous client); an unknown revision 404 with RevisionNotFound.
//
// Use:
//
//	h := fakehub.Start(t)                       // closed at the end of the test
//	h.Add("org/repo", "m.gguf", content)        // or h.AddFile("org/repo", "m.gguf", path)
//	url := h.ResolveURL("org/repo", "m.gguf")   // h.URL is the hub's base URL (--hub)
//	h.SetFaults("org/repo", "m.gguf",
//		fakehub.Fault{Drop: true, After: 100_000, Times: 1},  // first body answer cut
//		fakehub.Fault{WrongBytes: true})                      // every later one corrupt
//	h.Requests()                                // what was asked, for assertions
//
// Faults act on body answers (GET of the CDN address) in order: each applies to its next
// Times answers (0: to every answer from then on) and is then used up. See Fault.
package fakehub

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Commit is the fake commit every repository is at; resolve and tree accept it as rev.
const Commit = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"

// Fault is one way a body answer misbehaves. Several fields may combine (a trickle that
// then stalls; wrong bytes that are also cut).
type Fault struct {
	// Times is how many body answers this fault spoils before the next one in the queue
	// takes over; 0 means every answer from now on.
	Times int

	// WrongBytes serves the right length with some bytes changed (one in every 64 KiB,
	// and the middle one); the headers still describe the true file.
	WrongBytes bool
	// ExtraLength makes Content-Length (and a 206's Content-Range total) claim this many
	// bytes more than the file has; the real bytes are sent, then the connection closes.
	ExtraLength int64
	// IgnoreIfRange answers a Range request with 206 from the current version even when
	// If-Range names an older ETag (a hub that does not check If-Range).
	IgnoreIfRange bool
	// ChangeTo replaces the file with these bytes once this answer's headers are out: this
	// answer still carries the old version, every later one the new (new sha256, new ETag).
	ChangeTo []byte

	// Drop closes the connection after After body bytes.
	Drop bool
	// Stall stops sending after After body bytes and keeps the connection open, silent,
	// until the client goes away or the hub closes.
	Stall bool
	// After is where Drop or Stall strike, in bytes of this answer's body.
	After int64

	// TrickleChunk and TrickleDelay send the body TrickleChunk bytes at a time with
	// TrickleDelay between chunks (a slow but moving hub).
	TrickleChunk int
	TrickleDelay time.Duration
}

// Request is one request the hub received.
type Request struct {
	Method, Path, Range, IfRange string
	Status                       int
}

// Hub is the running fake hub.
type Hub struct {
	// URL is the hub's base address, http://127.0.0.1:PORT (what --hub takes).
	URL string

	srv     *httptest.Server
	closing chan struct{}
	once    sync.Once

	mu       sync.Mutex
	files    map[string]*file // key: owner/repo/file
	noLinked bool

	logMu sync.Mutex // apart from mu: a status is logged while mu may be held
	log   []Request
}

type file struct {
	repo, name string
	version    int
	content    []byte
	sha256     string // hex
	faults     []Fault
}

// New starts a hub on 127.0.0.1 (a free port). Close it when done.
func New() *Hub {
	h := &Hub{closing: make(chan struct{}), files: map[string]*file{}}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	h.URL = h.srv.URL
	return h
}

// Start is New with Close registered on t.Cleanup.
func Start(t testing.TB) *Hub {
	h := New()
	t.Cleanup(h.Close)
	return h
}

// Close stops the hub: stalled answers end, connections close.
func (h *Hub) Close() {
	h.once.Do(func() {
		close(h.closing)
		h.srv.CloseClientConnections()
		h.srv.Close()
	})
}

// Add serves content as repo ("owner/name") file name at revision main (and Commit).
// Adding an existing name replaces it as a new version.
func (h *Hub) Add(repo, name string, content []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	key := repo + "/" + name
	f := h.files[key]
	if f == nil {
		f = &file{repo: repo, name: name}
		h.files[key] = f
	}
	f.setContent(content)
}

// AddFile serves the file at path (read once, now) as repo file name.
func (h *Hub) AddFile(repo, name, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	h.Add(repo, name, b)
	return nil
}

// Replace is Add for a file that exists: the hub now serves a new version.
func (h *Hub) Replace(repo, name string, content []byte) { h.Add(repo, name, content) }

// HideLinkedHeaders makes resolve answers leave out X-Linked-Etag and X-Linked-Size (a
// mirror that does not send them); the tree API still tells the sha256.
func (h *Hub) HideLinkedHeaders(hide bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.noLinked = hide
}

// SetFaults queues faults for the file's next body answers (replacing any queued ones).
func (h *Hub) SetFaults(repo, name string, faults ...Fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.files[repo+"/"+name]
	if f == nil {
		panic("fakehub: SetFaults on a file never added: " + repo + "/" + name)
	}
	f.faults = append([]Fault(nil), faults...)
}

// SHA256 returns the hex sha256 of the file's current version ("" if there is none).
func (h *Hub) SHA256(repo, name string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f := h.files[repo+"/"+name]; f != nil {
		return f.sha256
	}
	return ""
}

// ResolveURL is the file's download address at main: URL/repo/resolve/main/name.
func (h *Hub) ResolveURL(repo, name string) string {
	return h.URL + "/" + escapePath(repo) + "/resolve/main/" + escapePath(name)
}

// Requests returns every request so far, in order.
func (h *Hub) Requests() []Request {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return append([]Request(nil), h.log...)
}

// BodyRequests returns the GETs of file bodies (CDN addresses) so far.
func (h *Hub) BodyRequests() []Request {
	var out []Request
	for _, r := range h.Requests() {
		if r.Method == http.MethodGet && strings.HasPrefix(r.Path, "/cdn-lfs/") {
			out = append(out, r)
		}
	}
	return out
}

func (f *file) setContent(b []byte) {
	f.version++
	f.content = b
	sum := sha256.Sum256(b)
	f.sha256 = hex.EncodeToString(sum[:])
}

// cdnETag is the CDN's validator: opaque, changes with the version and the content.
func (f *file) cdnETag() string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d/%s", f.name, f.version, f.sha256)))
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// pointer is the git-lfs pointer file the repository holds for f.
func (f *file) pointer() string {
	return fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n", f.sha256, len(f.content))
}

// nextFault takes the fault for one body answer (zero Fault when none is queued).
func (f *file) nextFault() Fault {
	if len(f.faults) == 0 {
		return Fault{}
	}
	ft := f.faults[0]
	if ft.Times > 0 {
		f.faults[0].Times--
		if f.faults[0].Times == 0 {
			f.faults = f.faults[1:]
		}
	}
	return ft
}

// exposed is the hub's Access-Control-Expose-Headers list.
const exposed = "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range,Content-Length,X-Linked-Size,X-Linked-ETag,X-Xet-Hash"

func (h *Hub) serve(w http.ResponseWriter, r *http.Request) {
	// Logged on arrival (a stalled answer is in the log while it stalls); the status once
	// the headers are out.
	h.logMu.Lock()
	h.log = append(h.log, Request{Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"), IfRange: r.Header.Get("If-Range")})
	rec := &statusRecorder{ResponseWriter: w, hub: h, index: len(h.log) - 1}
	h.logMu.Unlock()
	hd := w.Header()
	hd.Set("Access-Control-Allow-Origin", "*")
	hd.Set("Access-Control-Expose-Headers", exposed)
	hd.Set("Vary", "Origin")
	if r.Method == http.MethodOptions {
		hd.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
		if want := r.Header.Get("Access-Control-Request-Headers"); want != "" {
			hd.Set("Access-Control-Allow-Headers", want)
		}
		hd.Set("Access-Control-Max-Age", "86400")
		rec.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hubError(rec, http.StatusMethodNotAllowed, "", "method not allowed")
		return
	}
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/models/"):
		h.serveTree(rec, strings.TrimPrefix(p, "/api/models/"))
	case strings.HasPrefix(p, "/cdn-lfs/"):
		h.serveBody(rec, r, strings.TrimPrefix(p, "/cdn-lfs/"))
	default:
		h.serveResolve(rec, p)
	}
}

// splitRepo cuts "owner/repo/rest" into "owner/repo" and "rest".
func splitRepo(p string) (repo, rest string, ok bool) {
	parts := strings.SplitN(strings.TrimPrefix(p, "/"), "/", 3)
	if len(parts) < 3 || parts[0] == "" || parts[1] == "" {
		return "", "", false
	}
	return parts[0] + "/" + parts[1], parts[2], true
}

func (h *Hub) hasRepo(repo string) bool {
	for _, f := range h.files {
		if f.repo == repo {
			return true
		}
	}
	return false
}

// lookup finds repo/name at rev, or writes the hub's error and returns nil.
func (h *Hub) lookup(w http.ResponseWriter, repo, rev, name string) *file {
	if !h.hasRepo(repo) {
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return nil
	}
	if rev != "main" && rev != Commit {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return nil
	}
	f := h.files[repo+"/"+name]
	if f == nil {
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return nil
	}
	return f
}

func (h *Hub) serveResolve(w http.ResponseWriter, p string) {
	repo, rest, ok := splitRepo(p)
	kind, rest, ok2 := strings.Cut(rest, "/")
	rev, name, ok3 := strings.Cut(rest, "/")
	if !ok || !ok2 || !ok3 || kind != "resolve" || name == "" {
		hubError(w, http.StatusNotFound, "", "Not found")
		return
	}
	h.mu.Lock()
	f := h.lookup(w, repo, rev, name)
	if f == nil {
		h.mu.Unlock()
		return
	}
	sha, size, noLinked := f.sha256, len(f.content), h.noLinked
	h.mu.Unlock()

	loc := h.URL + "/cdn-lfs/" + escapePath(repo) + "/" + escapePath(name) + "?oid=" + sha +
		"&response-content-disposition=" + url.QueryEscape(`inline; filename="`+path.Base(name)+`"`)
	hd := w.Header()
	hd.Set("X-Repo-Commit", Commit)
	if !noLinked {
		hd.Set("X-Linked-Etag", `"`+sha+`"`)
		hd.Set("X-Linked-Size", strconv.Itoa(size))
		hd.Set("ETag", `"`+sha+`"`)
	}
	hd.Set("Location", loc)
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	body := "Found. Redirecting to " + loc
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusFound)
	w.Write([]byte(body))
}

// treeEntry is one entry of /api/models/{repo}/tree/{rev}, as the hub writes it.
type treeEntry struct {
	Type string   `json:"type"`
	OID  string   `json:"oid"`
	Size int64    `json:"size"`
	Path string   `json:"path"`
	LFS  *lfsInfo `json:"lfs,omitempty"`
}

type lfsInfo struct {
	OID         string `json:"oid"`
	Size        int64  `json:"size"`
	PointerSize int    `json:"pointerSize"`
}

func (h *Hub) serveTree(w http.ResponseWriter, p string) {
	repo, rest, ok := splitRepo(p)
	kind, rest, ok2 := strings.Cut(rest, "/")
	rev, dir, _ := strings.Cut(rest, "/")
	if !ok || !ok2 || kind != "tree" || rev == "" {
		hubError(w, http.StatusNotFound, "", "Not found")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.hasRepo(repo) {
		hubError(w, http.StatusUnauthorized, "RepoNotFound", "Repository not found")
		return
	}
	if rev != "main" && rev != Commit {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	dir = strings.Trim(dir, "/")
	entries := []treeEntry{}
	dirs := map[string]bool{}
	for _, f := range h.files {
		if f.repo != repo {
			continue
		}
		rel := f.name
		if dir != "" {
			var found bool
			if rel, found = strings.CutPrefix(f.name, dir+"/"); !found {
				continue
			}
		}
		if sub, _, nested := strings.Cut(rel, "/"); nested {
			full := path.Join(dir, sub)
			if !dirs[full] {
				dirs[full] = true
				sum := sha1.Sum([]byte("tree " + full))
				entries = append(entries, treeEntry{Type: "directory", OID: hex.EncodeToString(sum[:]), Path: full})
			}
			continue
		}
		ptr := f.pointer()
		blob := sha1.Sum([]byte(fmt.Sprintf("blob %d\x00%s", len(ptr), ptr)))
		size := int64(len(f.content))
		entries = append(entries, treeEntry{Type: "file", OID: hex.EncodeToString(blob[:]), Size: size, Path: f.name,
			LFS: &lfsInfo{OID: f.sha256, Size: size, PointerSize: len(ptr)}})
	}
	if dir != "" && len(entries) == 0 {
		hubError(w, http.StatusNotFound, "EntryNotFound", "Entry not found")
		return
	}
	sortEntries(entries)
	b, _ := json.Marshal(entries)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func sortEntries(e []treeEntry) {
	for i := 1; i < len(e); i++ {
		for j := i; j > 0 && e[j].Path < e[j-1].Path; j-- {
			e[j], e[j-1] = e[j-1], e[j]
		}
	}
}

func (h *Hub) serveBody(w http.ResponseWriter, r *http.Request, p string) {
	repo, name, ok := splitRepo(p)
	if !ok {
		hubError(w, http.StatusNotFound, "", "Not found")
		return
	}
	h.mu.Lock()
	f := h.files[repo+"/"+name]
	if f == nil {
		h.mu.Unlock()
		w.WriteHeader(http.StatusNotFound) // the CDN's bare 404
		return
	}
	content, etag := f.content, f.cdnETag()
	var ft Fault
	if r.Method == http.MethodGet {
		ft = f.nextFault()
		if ft.ChangeTo != nil {
			f.setContent(ft.ChangeTo)
		}
	}
	h.mu.Unlock()

	size := int64(len(content))
	start, end, status := int64(0), size, http.StatusOK // [start, end)
	if rng := r.Header.Get("Range"); rng != "" {
		ifr := r.Header.Get("If-Range")
		if ifr == "" || ifr == etag || ft.IgnoreIfRange {
			var satisfiable, single bool
			start, end, satisfiable, single = parseRange(rng, size)
			switch {
			case !single:
				start, end = 0, size // several ranges or a bad header: the whole file
			case !satisfiable:
				hd := w.Header()
				hd.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
				hd.Set("ETag", etag)
				w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
				return
			default:
				status = http.StatusPartialContent
			}
		}
	}
	hd := w.Header()
	hd.Set("ETag", etag)
	hd.Set("Accept-Ranges", "bytes")
	hd.Set("Content-Type", "application/octet-stream")
	hd.Set("Content-Disposition", `inline; filename="`+path.Base(name)+`"`)
	hd.Set("Cache-Control", "public, max-age=604800, immutable")
	hd.Set("Content-Length", strconv.FormatInt(end-start+ft.ExtraLength, 10))
	if status == http.StatusPartialContent {
		hd.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1+ft.ExtraLength, size+ft.ExtraLength))
	}
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	body := content[start:end]
	if ft.WrongBytes {
		body = corrupt(body, start, size)
	}
	h.send(w, r, body, ft)
}

// send writes body under the fault's rules. Returning early with fewer bytes than the
// declared Content-Length makes net/http close the connection after what was written.
func (h *Hub) send(w http.ResponseWriter, r *http.Request, body []byte, ft Fault) {
	rc := http.NewResponseController(w)
	limit := int64(len(body))
	if (ft.Drop || ft.Stall) && ft.After < limit {
		limit = ft.After
	}
	chunk := int64(ft.TrickleChunk)
	if chunk <= 0 {
		chunk = 64 << 10
	}
	for off := int64(0); off < limit; {
		n := min(chunk, limit-off)
		if _, err := w.Write(body[off : off+n]); err != nil {
			return
		}
		off += n
		if ft.TrickleDelay > 0 {
			rc.Flush()
			select {
			case <-time.After(ft.TrickleDelay):
			case <-r.Context().Done():
				return
			case <-h.closing:
				return
			}
		}
	}
	rc.Flush()
	if ft.Stall && ft.After < int64(len(body)) {
		select {
		case <-r.Context().Done():
		case <-h.closing:
		}
	}
}

// corrupt returns a copy of body (the bytes at offset start of a file of size bytes) with
// the file's bytes at every multiple of 64 KiB and at size/2 changed.
func corrupt(body []byte, start, size int64) []byte {
	out := append([]byte(nil), body...)
	flip := func(at int64) {
		if at >= start && at < start+int64(len(out)) {
			out[at-start] ^= 0x5a
		}
	}
	for at := (start + 0xffff) &^ 0xffff; at < start+int64(len(out)); at += 1 << 16 {
		flip(at)
	}
	flip(size / 2)
	return out
}

// parseRange reads a Range header against size. single is false for anything but one
// "bytes=" range (the caller then sends the whole file); satisfiable is false for a range
// that starts at or past the end, or a zero-length suffix ("bytes=-0").
func parseRange(h string, size int64) (start, end int64, satisfiable, single bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, false, false
	}
	a, b, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, 0, false, false
	}
	if a == "" { // suffix: the last b bytes
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n < 0 {
			return 0, 0, false, false
		}
		if n == 0 || size == 0 {
			return 0, 0, false, true
		}
		return max(0, size-n), size, true, true
	}
	s, err := strconv.ParseInt(a, 10, 64)
	if err != nil || s < 0 {
		return 0, 0, false, false
	}
	e := size - 1
	if b != "" {
		if e, err = strconv.ParseInt(b, 10, 64); err != nil || e < s {
			return 0, 0, false, false
		}
		e = min(e, size-1)
	}
	if s >= size {
		return 0, 0, false, true
	}
	return s, e + 1, true, true
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	hd := w.Header()
	if code != "" {
		hd.Set("X-Error-Code", code)
	}
	hd.Set("X-Error-Message", msg)
	b, _ := json.Marshal(map[string]string{"error": msg})
	hd.Set("Content-Type", "application/json; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	hub   *Hub
	index int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.hub.logMu.Lock()
	s.hub.log[s.index].Status = code
	s.hub.logMu.Unlock()
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
