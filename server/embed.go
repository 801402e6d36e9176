package main

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// embedPage serves /embed from static/embed.html: the widget's chat page, the one page
// other origins may frame (see securityHeaders).
func embedPage(s *staticFS) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			t, err := s.file("embed.html")
			if err != nil {
				if isNotFound(err) {
					return echo.NewHTTPError(http.StatusNotFound, "this bundle has no embed page (static/embed.html)")
				}
				return err
			}
			c.Set(targetKey, t)
			return next(c)
		}
	}
}

// isEmbedPath says whether p is the embed page or one of its own assets: /embed,
// /embed.html and anything under /embed/.
func isEmbedPath(p string) bool {
	return p == "/embed" || p == "/embed.html" || strings.HasPrefix(p, "/embed/")
}

// isWidgetPath says whether p is loaded by other origins' pages: /widget.js and anything
// under /widget/.
func isWidgetPath(p string) bool {
	return p == "/widget.js" || strings.HasPrefix(p, "/widget/")
}
