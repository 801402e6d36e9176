package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestServeFile(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"index.html": "<!doctype html>", "engine.3fa2b9c1.wasm": "\x00asm", "app.js": "js", "app.js.br": "BR",
		"manifest.json": "{}", "models/m/manifest.json": "{}", "icon.svg": "<svg/>", "README": "x",
		"models/m/shard-000.0123456789abcdef.bin": "0123456789",
	})
	mtime := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(dir, "app.js"), mtime, mtime)
	s, err := openStatic(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEcho()
	e.Any("/*", serveFile(s), resolvePath(s), precompressed(s))

	for path, want := range map[string]string{
		"/":                       "text/html; charset=utf-8",
		"/engine.3fa2b9c1.wasm":   "application/wasm",
		"/app.js":                 "text/javascript; charset=utf-8",
		"/manifest.json":          "application/manifest+json",
		"/models/m/manifest.json": "application/json",
		"/icon.svg":               "image/svg+xml",
		"/README":                 "application/octet-stream",
		"/models/m/shard-000.0123456789abcdef.bin": "application/octet-stream",
	} {
		rec := do(e, "GET", path)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != want {
			t.Errorf("%s: %d Content-Type %q, want %q", path, rec.Code, rec.Header().Get("Content-Type"), want)
		}
	}

	// ETags: from the name's hash for hashed files, else time and size; variants differ.
	shard := "/models/m/shard-000.0123456789abcdef.bin"
	if et := do(e, "GET", shard).Header().Get("ETag"); et != `"0123456789abcdef-a"` {
		t.Errorf("shard ETag %s", et)
	}
	plain := do(e, "GET", "/app.js").Header().Get("ETag")
	br := do(e, "GET", "/app.js", "Accept-Encoding", "br")
	if plain != fmt.Sprintf(`"%x-2"`, mtime.UnixNano()) {
		t.Errorf("app.js ETag %s", plain)
	}
	if br.Header().Get("ETag") == plain || br.Header().Get("Content-Encoding") != "br" || br.Body.String() != "BR" ||
		br.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("br variant: ETag %s encoding %q body %q type %q", br.Header().Get("ETag"),
			br.Header().Get("Content-Encoding"), br.Body.String(), br.Header().Get("Content-Type"))
	}

	// Conditional and range requests.
	et := `"0123456789abcdef-a"`
	if rec := do(e, "GET", shard, "If-None-Match", et); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", rec.Code)
	}
	if rec := do(e, "GET", shard, "Range", "bytes=2-5"); rec.Code != 206 || rec.Body.String() != "2345" || rec.Header().Get("Content-Range") != "bytes 2-5/10" {
		t.Errorf("Range 2-5: %d %q %q", rec.Code, rec.Body.String(), rec.Header().Get("Content-Range"))
	}
	if rec := do(e, "GET", shard, "Range", "bytes=2-5", "If-Range", et); rec.Code != 206 || rec.Body.String() != "2345" {
		t.Errorf("matching If-Range: %d %q", rec.Code, rec.Body.String())
	}
	if rec := do(e, "GET", shard, "Range", "bytes=2-5", "If-Range", `"stale"`); rec.Code != 200 || rec.Body.String() != "0123456789" {
		t.Errorf("stale If-Range: %d %q, want the whole file", rec.Code, rec.Body.String())
	}
	if rec := do(e, "GET", shard, "Range", "bytes=10-"); rec.Code != 416 || rec.Header().Get("Content-Range") != "bytes */10" {
		t.Errorf("unsatisfiable: %d %q", rec.Code, rec.Header().Get("Content-Range"))
	}
	if rec := do(e, "GET", shard, "Range", "bytes=x-y"); rec.Code != 416 {
		t.Errorf("malformed Range: %d, want 416", rec.Code)
	}
	if rec := do(e, "HEAD", shard); rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "10" {
		t.Errorf("HEAD: %d body %d Content-Length %q", rec.Code, rec.Body.Len(), rec.Header().Get("Content-Length"))
	}
}
