package main

import (
	"path"
	"strings"
)

// mimeTypes maps extensions to Content-Type explicitly, so the answer does not depend on
// the host's /etc/mime.types (which may lack application/wasm) and nothing is sniffed.
var mimeTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".wasm":        "application/wasm",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".gif":         "image/gif",
	".webp":        "image/webp",
	".avif":        "image/avif",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".ttf":         "font/ttf",
	".txt":         "text/plain; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".xml":         "application/xml",
	".gguf":        "application/octet-stream",
	".bin":         "application/octet-stream",
	".gz":          "application/gzip",
	".br":          "application/octet-stream",
}

// contentType is the Content-Type of the file at URL path p; the web app manifest may also
// be named /manifest.json.
func contentType(p string) string {
	if p == "/manifest.json" {
		return "application/manifest+json"
	}
	if t, ok := mimeTypes[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}
