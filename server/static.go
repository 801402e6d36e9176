package main

import (
	"fmt"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

// serveFile sends the resolved target with its content type, its variant's encoding and an
// ETag; http.ServeContent does conditional requests (If-None-Match → 304), Range (206,
// multipart/byteranges for several ranges, 416) and If-Range.
func serveFile(s *staticFS) echo.HandlerFunc {
	return func(c echo.Context) error {
		t, ok := getTarget(c)
		if !ok {
			return errNotFound
		}
		f, err := s.root.Open(t.rel)
		if err != nil {
			return errNotFound
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil || !info.Mode().IsRegular() {
			return errNotFound
		}
		h := c.Response().Header()
		h.Set("Content-Type", contentType(t.name))
		if t.encoding != "" {
			h.Set("Content-Encoding", t.encoding)
			if c.Request().Method == http.MethodHead {
				// ServeContent leaves Content-Length out when Content-Encoding is set, and
				// a HEAD then has none; a variant is sent whole, so its size is the length.
				// (A GET gets one from net/http, or is chunked.)
				h.Set("Content-Length", fmt.Sprint(info.Size()))
			}
		}
		h.Set("ETag", etag(t.name, info, t.encoding))
		http.ServeContent(c.Response(), c.Request(), "", info.ModTime(), f)
		return nil
	}
}

// etag is strong and changes with the content: from the hash in a content-hashed name
// (stable across deployments, so a resumed download survives a redeploy), else from the
// modification time and size; a precompressed variant gets its own.
func etag(name string, info fs.FileInfo, encoding string) string {
	suffix := ""
	switch encoding {
	case "br":
		suffix = "-br"
	case "gzip":
		suffix = "-gz"
	}
	if h := contentHash(name); h != "" {
		return fmt.Sprintf(`"%s-%x%s"`, h, info.Size(), suffix)
	}
	return fmt.Sprintf(`"%x-%x%s"`, info.ModTime().UnixNano(), info.Size(), suffix)
}
