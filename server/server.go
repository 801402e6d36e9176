package main

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"
)

// newServer builds the handler for the bundle in dir. Every response passes the access log,
// the security headers, CORS, the caching rules and the method check (all before routing,
// so errors get them too); files then go through path resolution, the range limit and
// precompressed selection before being served.
func newServer(dir string, logw io.Writer) (*echo.Echo, error) {
	fsys, err := openStatic(dir)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = plainErrorHandler
	e.Pre(accessLog(logw), securityHeaders, widgetCORS, cacheControl, allowMethods)

	get := []string{http.MethodGet, http.MethodHead}
	e.Match(get, "/healthz", healthz)
	e.Match(get, "/embed", serveFile(fsys), embedPage(fsys), limitRanges, precompressed(fsys))
	e.Match(get, "/*", serveFile(fsys), resolvePath(fsys), limitRanges, precompressed(fsys))
	return e, nil
}

// plainErrorHandler answers errors as short plain text ("404 Not Found"), keeping the
// headers a middleware already set (Content-Range on a 416, Allow on a 405).
func plainErrorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code := http.StatusInternalServerError
	msg := http.StatusText(code)
	if he, ok := err.(*echo.HTTPError); ok {
		code = he.Code
		msg = http.StatusText(code)
		if s, ok := he.Message.(string); ok && s != "" {
			msg = s
		}
	}
	h := c.Response().Header()
	h.Del("Content-Encoding")
	h.Del("ETag")
	h.Del("Last-Modified")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	if c.Request().Method == http.MethodHead {
		c.NoContent(code)
		return
	}
	c.String(code, msg+"\n")
}
