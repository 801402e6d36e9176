package main

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestPrecompressed(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"app.js": "plain", "app.js.br": "brotli", "app.js.gz": "gzip",
		"style.css": "plain", "style.css.gz": "gzip",
		"plain.txt": "plain",
		"models/m/shard-000.0123456789abcdef.bin": "shard", "models/m/shard-000.0123456789abcdef.bin.gz": "no",
		"models/m/manifest.json": "{}", "models/m/manifest.json.br": "br",
	})
	s, err := openStatic(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEcho()
	e.Any("/*", func(c echo.Context) error {
		tg, _ := getTarget(c)
		return c.String(http.StatusOK, tg.rel+" "+tg.encoding+" "+tg.name)
	}, resolvePath(s), precompressed(s))

	for _, c := range []struct {
		path, accept, rng string
		want              string
		vary              bool
	}{
		{"/app.js", "gzip, deflate, br", "", "app.js.br br /app.js", true},
		{"/app.js", "gzip", "", "app.js.gz gzip /app.js", true},
		{"/app.js", "br;q=0, gzip;q=0.5", "", "app.js.gz gzip /app.js", true},
		{"/app.js", "x-gzip", "", "app.js.gz gzip /app.js", true},
		{"/app.js", "*", "", "app.js.br br /app.js", true},
		{"/app.js", "*;q=0", "", "app.js  /app.js", true},
		{"/app.js", "gzip;q=0, br;q=0", "", "app.js  /app.js", true},
		{"/app.js", "identity", "", "app.js  /app.js", true},
		{"/app.js", "", "", "app.js  /app.js", true},
		{"/app.js", "br, gzip", "bytes=0-1", "app.js  /app.js", true},
		{"/style.css", "br, gzip", "", "style.css.gz gzip /style.css", true},
		{"/plain.txt", "br, gzip", "", "plain.txt  /plain.txt", false},
		{"/models/m/shard-000.0123456789abcdef.bin", "gzip", "", "models/m/shard-000.0123456789abcdef.bin  /models/m/shard-000.0123456789abcdef.bin", false},
		{"/models/m/manifest.json", "br", "", "models/m/manifest.json.br br /models/m/manifest.json", true},
	} {
		rec := do(e, "GET", c.path, "Accept-Encoding", c.accept, "Range", c.rng)
		if rec.Body.String() != c.want {
			t.Errorf("%s (Accept-Encoding %q, Range %q): %q, want %q", c.path, c.accept, c.rng, rec.Body.String(), c.want)
		}
		if got := rec.Header().Get("Vary") == "Accept-Encoding"; got != c.vary {
			t.Errorf("%s: Vary %q, want Accept-Encoding: %v", c.path, rec.Header().Get("Vary"), c.vary)
		}
	}
}
