package main

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestCachePolicy(t *testing.T) {
	for p, want := range map[string]string{
		"/":                       cacheRevalidate,
		"/index.html":             cacheRevalidate,
		"/sw.js":                  cacheRevalidate,
		"/manifest.json":          cacheRevalidate,
		"/app.webmanifest":        cacheRevalidate,
		"/models/index.json":      cacheRevalidate,
		"/models/m/manifest.json": cacheRevalidate,
		"/models/m/shard-000.0123456789abcdef.bin": cacheImmutable,
		"/models/m/anything":                       cacheImmutable,
		"/app.3fa2b9c1.js":                         cacheImmutable,
		"/engine.3fa2b9c1d4.wasm":                  cacheImmutable,
		"/assets/style.0a1b2c3d.css":               cacheImmutable,
		"/app.js":                                  cacheRevalidate,
		"/app.3FA2B9C1.js":                         cacheRevalidate, // not a lowercase hex hash
		"/app.3fa2b9c.js":                          cacheRevalidate, // 7 digits: too short
		"/widget.js":                               cacheRevalidate,
		"/embed":                                   cacheRevalidate,
		"/docs/":                                   cacheRevalidate,
		"/models/m/sub/x.bin":                      cacheRevalidate,
		"/healthz":                                 cacheNever,
	} {
		if got := cachePolicy(p); got != want {
			t.Errorf("cachePolicy(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestCacheControlByStatus(t *testing.T) {
	e := newEcho()
	e.Pre(cacheControl)
	e.Any("/*", func(c echo.Context) error {
		code := http.StatusOK
		switch c.QueryParam("s") {
		case "206":
			code = http.StatusPartialContent
		case "304":
			return c.NoContent(http.StatusNotModified)
		case "404":
			return echo.NewHTTPError(http.StatusNotFound)
		case "301":
			return c.Redirect(http.StatusMovedPermanently, "/x/")
		case "416":
			code = http.StatusRequestedRangeNotSatisfiable
		}
		return c.String(code, "body")
	})
	shard := "/models/m/shard-000.0123456789abcdef.bin"
	for q, want := range map[string]string{"": cacheImmutable, "206": cacheImmutable, "304": cacheImmutable,
		"404": cacheNever, "301": cacheNever, "416": cacheNever} {
		if got := do(e, "GET", shard+"?s="+q).Header().Get("Cache-Control"); got != want {
			t.Errorf("status %s: Cache-Control %q, want %q", q, got, want)
		}
	}
}

func TestContentHash(t *testing.T) {
	for p, want := range map[string]string{
		"/app.3fa2b9c1.js": "3fa2b9c1", "/models/m/shard-001.0123456789abcdef.bin": "0123456789abcdef",
		"/a.b.c": "", "/3fa2b9c1.js": "", "/dir.3fa2b9c1.x/app.js": "",
	} {
		if got := contentHash(p); got != want {
			t.Errorf("contentHash(%q) = %q, want %q", p, got, want)
		}
	}
}
