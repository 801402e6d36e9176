package main

import (
	"net/http"
	"path"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
)

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheNever      = "no-store"
)

// cacheControl sets Cache-Control from the request path when the answer is 200, 206 or
// 304: content-hashed files and model shards are immutable for a year; entry points
// (index.html, sw.js, manifests, the model index) and everything else revalidate on each
// use (the ETag makes that a 304). Errors and redirects are never stored.
func cacheControl(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		policy := cachePolicy(c.Request().URL.Path)
		res := c.Response()
		res.Before(func() {
			switch res.Status {
			case http.StatusOK, http.StatusPartialContent, http.StatusNotModified:
				res.Header().Set("Cache-Control", policy)
			default:
				res.Header().Set("Cache-Control", cacheNever)
			}
		})
		return next(c)
	}
}

func cachePolicy(p string) string {
	if p == "/healthz" {
		return cacheNever
	}
	base := path.Base(p)
	switch {
	case strings.HasSuffix(p, "/"), base == "index.html", base == "sw.js",
		base == "manifest.json", base == "index.json", path.Ext(base) == ".webmanifest":
		return cacheRevalidate
	case isShardPath(p), contentHash(p) != "":
		return cacheImmutable
	}
	return cacheRevalidate
}

// hashSegment matches the content hash a build puts in a file name: "app.3fa2b9c1.js",
// "shard-000.1a2b3c4d5e6f7a8b.bin".
var hashSegment = regexp.MustCompile(`\.([0-9a-f]{8,64})\.`)

// contentHash returns the hex hash in the base name of p, or "".
func contentHash(p string) string {
	if m := hashSegment.FindStringSubmatch(path.Base(p)); m != nil {
		return m[1]
	}
	return ""
}

// isShardPath says whether p is a model shard: a file directly in /models/<id>/ other than
// its manifest.json.
func isShardPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/models/")
	if !ok {
		return false
	}
	id, file, ok := strings.Cut(rest, "/")
	return ok && id != "" && file != "" && !strings.Contains(file, "/") && file != "manifest.json"
}
