package main

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// maxRanges is how many byte ranges one request may ask for.
const maxRanges = 4

// limitRanges refuses requests for more than maxRanges byte ranges with 416 (many tiny
// ranges cost the server far more than they save); with If-Range the request is served
// whole instead, which the client accepts in any case. It also drops ranges that select
// no byte (a zero suffix "-0", any range of an empty file), which RFC 9110 calls
// unsatisfiable and http.ServeContent would answer with an empty 206 and an invalid
// Content-Range; when none is left the request asks from the end of the file, which
// ServeContent answers 416 "bytes */SIZE" (or 200 when If-Range does not match; an empty
// file is sent whole, empty). Range
// parsing and the ranges themselves are http.ServeContent's.
func limitRanges(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		spec, ok := strings.CutPrefix(req.Header.Get("Range"), "bytes=")
		if !ok {
			return next(c)
		}
		if t, ok := getTarget(c); ok {
			if kept, dropped := dropEmptyRanges(spec, t.info.Size()); dropped {
				spec = kept
				if kept == "" {
					spec = fmt.Sprintf("%d-", t.info.Size())
				}
				req.Header.Set("Range", "bytes="+spec)
			}
		}
		if strings.Count(spec, ",")+1 <= maxRanges {
			return next(c)
		}
		if req.Header.Get("If-Range") != "" {
			req.Header.Del("Range")
			return next(c)
		}
		if t, ok := getTarget(c); ok {
			c.Response().Header().Set("Content-Range", fmt.Sprintf("bytes */%d", t.info.Size()))
		}
		return echo.NewHTTPError(http.StatusRequestedRangeNotSatisfiable, fmt.Sprintf("at most %d ranges per request", maxRanges))
	}
}

// dropEmptyRanges removes from a range set the ranges that select no byte of a file of
// size bytes: zero-length suffixes ("-0") and, for an empty file, every range. Malformed
// ranges are kept for ServeContent to refuse.
func dropEmptyRanges(spec string, size int64) (kept string, dropped bool) {
	var out []string
	for _, r := range strings.Split(spec, ",") {
		r = strings.TrimSpace(r)
		if size == 0 && r != "" {
			dropped = true
			continue
		}
		if n, ok := strings.CutPrefix(r, "-"); ok {
			if v, err := strconv.ParseUint(strings.TrimSpace(n), 10, 63); err == nil && v == 0 {
				dropped = true
				continue
			}
		}
		out = append(out, r)
	}
	return strings.Join(out, ","), dropped
}
