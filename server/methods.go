package main

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// allowMethods answers anything but GET and HEAD with 405 and an Allow header, before
// routing: the bundle is read-only.
func allowMethods(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead:
			return next(c)
		}
		c.Response().Header().Set("Allow", "GET, HEAD")
		return echo.NewHTTPError(http.StatusMethodNotAllowed)
	}
}
