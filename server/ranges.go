package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// maxRanges is how many byte ranges one request may ask for.
const maxRanges = 4

// limitRanges refuses requests for more than maxRanges byte ranges with 416 (many tiny
// ranges cost the server far more than they save); with If-Range the request is served
// whole instead, which the client accepts in any case. Range parsing and the ranges
// themselves are http.ServeContent's.
func limitRanges(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		spec, ok := strings.CutPrefix(req.Header.Get("Range"), "bytes=")
		if !ok || strings.Count(spec, ",")+1 <= maxRanges {
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
