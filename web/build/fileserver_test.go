package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hearth/internal/webtest"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

// copyTree copies the regular files under src to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		d := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return err
		}
		return os.WriteFile(d, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addTestModel installs stories260K from the shared test data, or a tiny random-weight
// model when that is absent, into static's models/ as hearth add-model does.
func addTestModel(t *testing.T, static string) *modelstore.Manifest {
	t.Helper()
	src := ""
	if d := shared.Find(); d != "" {
		if p := filepath.Join(d, "models", "stories260K.gguf"); fileExists(p) {
			src = p
		}
	}
	if src == "" {
		t.Log("no shared stories260K.gguf: serving a synthetic model of its size (webtest.WriteFallbackModel)")
		src = filepath.Join(t.TempDir(), "fallback.gguf")
		if err := webtest.WriteFallbackModel(src); err != nil {
			t.Fatal(err)
		}
	}
	// Small shards, so the model has several and the test fetches each.
	m, err := modelstore.Add(src, modelstore.Options{Static: static, ShardSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// plainServer serves dir with net/http's FileServer under prefix on a loopback port: no
// COOP/COEP, no CSP, no precompression, no cache headers — any static host.
func plainServer(t *testing.T, dir, prefix string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.StripPrefix(strings.TrimSuffix(prefix, "/"), http.FileServer(http.Dir(dir)))}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + prefix
}

type fetched struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, u string, hdr ...string) fetched {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fetched{res.StatusCode, res.Header, b}
}

func resolve(t *testing.T, base, ref string) string {
	t.Helper()
	b, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	r, err := url.Parse(ref)
	if err != nil {
		t.Fatal(err)
	}
	return b.ResolveReference(r).String()
}

// TestPlainStaticServer serves the bundle, with a model added, from http.FileServer under a
// sub-path and fetches what the page needs, as a browser would: the page, every file it
// refers to, the worker, the engine, the model index, a manifest and its shards (whole,
// and by Range as a resumed download does).
func TestPlainStaticServer(t *testing.T) {
	res := built(t)
	dir := filepath.Join(t.TempDir(), "site")
	copyTree(t, testOut, dir)
	man := addTestModel(t, dir)
	base := plainServer(t, dir, "/some/folder/")

	page := get(t, base)
	if page.status != http.StatusOK || !bytes.Equal(page.body, readOut(t, "index.html")) {
		t.Fatalf("GET %s: %d, %d bytes; want index.html", base, page.status, len(page.body))
	}
	for _, h := range []string{"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Content-Security-Policy"} {
		if page.header.Get(h) != "" {
			t.Errorf("the plain server sent %s: the test does not test what it says", h)
		}
	}
	pageURL := resolve(t, base, "index.html")
	refs, assets := pageRefs(t, page.body)
	for k, v := range assets {
		if k != "models" {
			refs = append(refs, v)
		}
	}
	wantType := map[string]string{".js": "javascript", ".css": "text/css", ".wasm": "application/wasm",
		".svg": "image/svg+xml", ".html": "text/html"}
	for _, r := range refs {
		u := resolve(t, pageURL, r)
		f := get(t, u)
		if f.status != http.StatusOK {
			t.Errorf("GET %s: %d", u, f.status)
			continue
		}
		if !bytes.Equal(f.body, readOut(t, r)) {
			t.Errorf("GET %s: body differs from %s", u, r)
		}
		if want := wantType[filepath.Ext(r)]; want != "" && !strings.Contains(f.header.Get("Content-Type"), want) {
			t.Errorf("GET %s: Content-Type %q, want %s (module scripts and wasm streaming need it)", u, f.header.Get("Content-Type"), want)
		}
	}
	if res.Assets.Engine == "" {
		if fileExists(filepath.Join(testRoot, "wasm", "build.sh")) {
			t.Error("wasm/build.sh exists but the bundle has no engine.wasm")
		} else {
			t.Log("no wasm/build.sh in the repository yet: the bundle has no engine to fetch")
		}
	} else {
		f := get(t, resolve(t, pageURL, res.Assets.Engine))
		if f.status != http.StatusOK || !bytes.HasPrefix(f.body, []byte("\x00asm")) {
			t.Errorf("engine %s: %d, %q…: not a wasm module", res.Assets.Engine, f.status, f.body[:min(8, len(f.body))])
		}
	}

	// The model, as the page finds it: index.json, then the manifest it names, then shards.
	idxURL := resolve(t, pageURL, assets["models"])
	var idx modelstore.Index
	if f := get(t, idxURL); f.status != http.StatusOK || json.Unmarshal(f.body, &idx) != nil {
		t.Fatalf("GET %s: %d %q", idxURL, f.status, f.body)
	}
	if len(idx.Models) != 1 || idx.Models[0].ID != man.ID {
		t.Fatalf("model index lists %+v, want %s", idx.Models, man.ID)
	}
	manURL := resolve(t, idxURL, idx.Models[0].Manifest)
	var got modelstore.Manifest
	if f := get(t, manURL); f.status != http.StatusOK || json.Unmarshal(f.body, &got) != nil {
		t.Fatalf("GET %s: %d %q", manURL, f.status, f.body)
	}
	if len(got.Shards) < 2 {
		t.Fatalf("%d shards, want several", len(got.Shards))
	}
	whole := sha256.New()
	for _, sh := range got.Shards {
		u := resolve(t, manURL, sh.File)
		f := get(t, u)
		sum := sha256.Sum256(f.body)
		if f.status != http.StatusOK || int64(len(f.body)) != sh.End-sh.Start || hex.EncodeToString(sum[:]) != sh.SHA256 {
			t.Errorf("GET %s: %d, %d bytes, sha256 %x; manifest says %d bytes, %s", u, f.status, len(f.body), sum, sh.End-sh.Start, sh.SHA256)
		}
		whole.Write(f.body)
		// A resumed download asks for the rest of a shard.
		off := (sh.End - sh.Start) / 3
		r := get(t, u, "Range", fmt.Sprintf("bytes=%d-", off))
		if r.status != http.StatusPartialContent || !bytes.Equal(r.body, f.body[off:]) {
			t.Errorf("GET %s Range bytes=%d-: %d, %d bytes; want 206 with the tail", u, off, r.status, len(r.body))
		}
	}
	if hex.EncodeToString(whole.Sum(nil)) != got.SHA256 {
		t.Error("the shards put together do not hash to the model's sha256")
	}
}
