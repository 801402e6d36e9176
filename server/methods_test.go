package main

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestAllowMethods(t *testing.T) {
	e := newEcho()
	e.Pre(allowMethods)
	e.Any("/*", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	for _, m := range []string{"GET", "HEAD"} {
		if rec := do(e, m, "/x"); rec.Code != http.StatusOK {
			t.Errorf("%s: %d, want 200", m, rec.Code)
		}
	}
	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
		rec := do(e, m, "/x")
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow %q, want 405 with Allow: GET, HEAD", m, rec.Code, rec.Header().Get("Allow"))
		}
	}
}
