package main

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// precompressed swaps the target for its .br or .gz sibling (written by the build) when the
// client accepts that encoding — brotli first. Files with siblings get
// "Vary: Accept-Encoding" whichever variant is sent. Never for shards (their bytes are
// hashed and fetched by range) nor for Range requests (offsets are those of the file).
func precompressed(s *staticFS) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			t, ok := getTarget(c)
			if !ok || isShardPath(t.name) {
				return next(c)
			}
			rel := strings.TrimPrefix(t.name, "/")
			var variants []*target
			for _, v := range []struct{ ext, enc string }{{".br", "br"}, {".gz", "gzip"}} {
				if vt, err := s.file(rel + v.ext); err == nil {
					vt.name, vt.encoding = t.name, v.enc
					variants = append(variants, vt)
				}
			}
			if len(variants) == 0 {
				return next(c)
			}
			c.Response().Header().Add("Vary", "Accept-Encoding")
			req := c.Request()
			if req.Header.Get("Range") != "" {
				return next(c)
			}
			accepted := parseAcceptEncoding(req.Header.Get("Accept-Encoding"))
			for _, v := range variants {
				if accepted(v.encoding) {
					c.Set(targetKey, v)
					break
				}
			}
			return next(c)
		}
	}
}

// parseAcceptEncoding returns whether a coding is acceptable to the client: listed with a
// q-value above 0, or covered by "*" with one. "x-gzip" counts as gzip.
func parseAcceptEncoding(header string) func(coding string) bool {
	q := map[string]float64{}
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if name == "x-gzip" {
			name = "gzip"
		}
		v := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				v = f
			}
		}
		q[name] = v
	}
	return func(coding string) bool {
		if v, ok := q[coding]; ok {
			return v > 0
		}
		v, ok := q["*"]
		return ok && v > 0
	}
}
