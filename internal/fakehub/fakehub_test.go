package fakehub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math/rand"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// noRedirect is a client that shows 3xx answers instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, c *http.Client, method, url string, hdr ...string) (*http.Response, []byte, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

func TestResolveHeadersAndRedirect(t *testing.T) {
	h := Start(t)
	content := randomBytes(300_000, 1)
	h.Add("org/repo", "m.gguf", content)

	resp, _, _ := get(t, noRedirect, http.MethodHead, h.ResolveURL("org/repo", "m.gguf"))
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("HEAD resolve: %s, want 302", resp.Status)
	}
	want := map[string]string{
		"X-Linked-Etag":               `"` + sha(content) + `"`,
		"X-Linked-Size":               "300000",
		"ETag":                        `"` + sha(content) + `"`,
		"X-Repo-Commit":               Commit,
		"Access-Control-Allow-Origin": "*",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, name := range []string{"Content-Range", "X-Linked-Etag", "X-Linked-Size", "ETag", "Content-Length", "Accept-Ranges"} {
		if !strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers")), strings.ToLower(name)) {
			t.Errorf("Access-Control-Expose-Headers lacks %s", name)
		}
	}
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, h.URL+"/cdn-lfs/org/repo/m.gguf?") {
		t.Errorf("Location %q: want an absolute CDN address", loc)
	}

	// Followed, the redirect ends at the bytes, with the CDN's own ETag.
	resp, body, err := get(t, http.DefaultClient, http.MethodGet, h.ResolveURL("org/repo", "m.gguf"))
	if err != nil || resp.StatusCode != 200 || !bytes.Equal(body, content) {
		t.Fatalf("GET: %v %s, %d bytes", err, resp.Status, len(body))
	}
	if et := resp.Header.Get("ETag"); et == "" || et == `"`+sha(content)+`"` || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("CDN ETag %q Accept-Ranges %q", et, resp.Header.Get("Accept-Ranges"))
	}

	// Revisions and errors.
	for _, c := range []struct {
		path, code string
		status     int
	}{
		{"/org/repo/resolve/" + Commit + "/m.gguf", "", 302},
		{"/org/repo/resolve/v9/m.gguf", "RevisionNotFound", 404},
		{"/org/repo/resolve/main/nope.gguf", "EntryNotFound", 404},
		{"/org/nope/resolve/main/m.gguf", "RepoNotFound", 401},
	} {
		resp, _, _ := get(t, noRedirect, http.MethodGet, h.URL+c.path)
		if resp.StatusCode != c.status || resp.Header.Get("X-Error-Code") != c.code {
			t.Errorf("%s: %s %q, want %d %q", c.path, resp.Status, resp.Header.Get("X-Error-Code"), c.status, c.code)
		}
	}
}

func TestTree(t *testing.T) {
	h := Start(t)
	a, b := randomBytes(1000, 2), randomBytes(2000, 3)
	h.Add("org/repo", "a.gguf", a)
	h.Add("org/repo", "sub/b.gguf", b)
	resp, body, _ := get(t, http.DefaultClient, http.MethodGet, h.URL+"/api/models/org/repo/tree/main")
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	var entries []struct {
		Type, Path, OID string
		Size            int64
		LFS             *struct {
			OID         string `json:"oid"`
			Size        int64  `json:"size"`
			PointerSize int    `json:"pointerSize"`
		} `json:"lfs"`
	}
	if err := json.Unmarshal(body, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Path != "a.gguf" || entries[1].Type != "directory" || entries[1].Path != "sub" {
		t.Fatalf("tree: %s", body)
	}
	e := entries[0]
	if e.Type != "file" || e.Size != 1000 || e.LFS == nil || e.LFS.OID != sha(a) || e.LFS.Size != 1000 || len(e.OID) != 40 || e.LFS.PointerSize < 100 {
		t.Errorf("entry %+v lfs %+v", e, e.LFS)
	}
	_, body, _ = get(t, http.DefaultClient, http.MethodGet, h.URL+"/api/models/org/repo/tree/main/sub")
	if !strings.Contains(string(body), `"path":"sub/b.gguf"`) || !strings.Contains(string(body), sha(b)) {
		t.Errorf("sub tree: %s", body)
	}
}

func TestRanges(t *testing.T) {
	h := Start(t)
	content := randomBytes(10_000, 4)
	h.Add("org/repo", "m.gguf", content)
	u := h.ResolveURL("org/repo", "m.gguf")
	resp, _, _ := get(t, http.DefaultClient, http.MethodHead, u)
	etag := resp.Header.Get("ETag")

	resp, body, _ := get(t, http.DefaultClient, http.MethodGet, u, "Range", "bytes=100-", "If-Range", etag)
	if resp.StatusCode != 206 || !bytes.Equal(body, content[100:]) || resp.Header.Get("Content-Range") != "bytes 100-9999/10000" {
		t.Errorf("bytes=100-: %s %q", resp.Status, resp.Header.Get("Content-Range"))
	}
	resp, body, _ = get(t, http.DefaultClient, http.MethodGet, u, "Range", "bytes=-10")
	if resp.StatusCode != 206 || !bytes.Equal(body, content[9990:]) {
		t.Errorf("bytes=-10: %s", resp.Status)
	}
	resp, body, _ = get(t, http.DefaultClient, http.MethodGet, u, "Range", "bytes=100-", "If-Range", `"old"`)
	if resp.StatusCode != 200 || !bytes.Equal(body, content) {
		t.Errorf("If-Range mismatch: %s, want the whole file", resp.Status)
	}
	for _, rng := range []string{"bytes=10000-", "bytes=-0"} {
		resp, _, _ = get(t, http.DefaultClient, http.MethodGet, u, "Range", rng)
		if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != "bytes */10000" {
			t.Errorf("%s: %s %q, want 416 bytes */10000", rng, resp.Status, resp.Header.Get("Content-Range"))
		}
	}
	// A preflight for If-Range from another origin.
	resp, _, _ = get(t, http.DefaultClient, http.MethodOptions, u, "Origin", "http://app.test", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range,if-range")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Headers") != "range,if-range" {
		t.Errorf("preflight: %s %v", resp.Status, resp.Header)
	}
}

func TestFaults(t *testing.T) {
	h := Start(t)
	content := randomBytes(200_000, 5)
	h.Add("org/repo", "m.gguf", content)
	u := h.ResolveURL("org/repo", "m.gguf")
	fresh := randomBytes(200_000, 6)
	h.SetFaults("org/repo", "m.gguf",
		Fault{Times: 1, WrongBytes: true},
		Fault{Times: 1, Drop: true, After: 5000},
		Fault{Times: 1, ExtraLength: 100},
		Fault{Times: 1, ChangeTo: fresh},
		Fault{Times: 1, IgnoreIfRange: true},
	)

	_, body, err := get(t, http.DefaultClient, http.MethodGet, u)
	if err != nil || len(body) != len(content) || bytes.Equal(body, content) {
		t.Errorf("WrongBytes: err %v, %d bytes, equal %v", err, len(body), bytes.Equal(body, content))
	}
	_, body, err = get(t, http.DefaultClient, http.MethodGet, u)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != 5000 {
		t.Errorf("Drop: err %v after %d bytes", err, len(body))
	}
	resp, body, err := get(t, http.DefaultClient, http.MethodGet, u)
	if resp.Header.Get("Content-Length") != strconv.Itoa(len(content)+100) || !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(body, content) {
		t.Errorf("ExtraLength: Content-Length %s, err %v", resp.Header.Get("Content-Length"), err)
	}
	resp, body, _ = get(t, http.DefaultClient, http.MethodGet, u)
	oldETag := resp.Header.Get("ETag")
	if !bytes.Equal(body, content) || h.SHA256("org/repo", "m.gguf") != sha(fresh) {
		t.Error("ChangeTo: this answer must be the old version, the hub's file the new one")
	}
	resp, body, _ = get(t, http.DefaultClient, http.MethodGet, u, "Range", "bytes=1000-", "If-Range", oldETag)
	if resp.StatusCode != 206 || resp.Header.Get("ETag") == oldETag || !bytes.Equal(body, fresh[1000:]) {
		t.Errorf("IgnoreIfRange: %s ETag %s (old %s)", resp.Status, resp.Header.Get("ETag"), oldETag)
	}
	_, body, err = get(t, http.DefaultClient, http.MethodGet, u)
	if err != nil || !bytes.Equal(body, fresh) {
		t.Error("after the queue, the file is served as it is")
	}
	if n := len(h.BodyRequests()); n != 6 {
		t.Errorf("%d body requests logged, want 6", n)
	}
}

func TestStallAndTrickle(t *testing.T) {
	h := Start(t)
	content := randomBytes(50_000, 7)
	h.Add("org/repo", "m.gguf", content)
	h.SetFaults("org/repo", "m.gguf",
		Fault{Times: 1, Stall: true, After: 1000},
		Fault{Times: 1, TrickleChunk: 10_000, TrickleDelay: 5 * time.Millisecond})

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.ResolveURL("org/repo", "m.gguf"), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1000)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() { _, err := resp.Body.Read(make([]byte, 10)); got <- err }()
	select {
	case err := <-got:
		t.Fatalf("a stalled body returned %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	cancel() // the client gives up; the hub's handler ends with it
	<-got
	resp.Body.Close()

	_, body, err := get(t, http.DefaultClient, http.MethodGet, h.ResolveURL("org/repo", "m.gguf"))
	if err != nil || !bytes.Equal(body, content) {
		t.Errorf("trickle: %v", err)
	}
}
