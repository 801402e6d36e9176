package main

import (
	"strings"

	"github.com/labstack/echo/v4"
)

// csp is the Content-Security-Policy of every page: only this origin's scripts, plus
// compiling WebAssembly ('wasm-unsafe-eval', not 'unsafe-eval'); workers from this origin or
// blob: URLs; no plugins, no inline script or style, nothing framing it but this origin.
// fetch may also reach any https host and plain-http loopback: a model can be downloaded
// from a URL on any host that answers CORS and Range requests (web/worker/download.js).
var csp = strings.Join([]string{
	"default-src 'self'",
	"script-src 'self' 'wasm-unsafe-eval'",
	"worker-src 'self' blob:",
	"connect-src 'self' https: http://localhost:* http://127.0.0.1:*",
	"img-src 'self' data: blob:",
	"style-src 'self'",
	"font-src 'self'",
	"manifest-src 'self'",
	"frame-src 'self'",
	"object-src 'none'",
	"base-uri 'none'",
	"form-action 'self'",
}, "; ")

// securityHeaders sets cross-origin isolation (COOP same-origin + COEP require-corp, so
// SharedArrayBuffer and wasm threads work), CORP, the CSP and the usual hardening headers.
// The embed page may be framed by any origin (frame-ancestors *) and it and the widget
// script may be loaded by other origins (CORP cross-origin); everything else keeps
// frame-ancestors 'self' and CORP same-origin.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := c.Request().URL.Path
		h := c.Response().Header()
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Embedder-Policy", "require-corp")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		switch {
		case isEmbedPath(p):
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
			h.Set("Content-Security-Policy", csp+"; frame-ancestors *")
		case isWidgetPath(p):
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
			h.Set("Content-Security-Policy", csp+"; frame-ancestors 'self'")
			h.Set("X-Frame-Options", "SAMEORIGIN")
		default:
			h.Set("Cross-Origin-Resource-Policy", "same-origin")
			h.Set("Content-Security-Policy", csp+"; frame-ancestors 'self'")
			h.Set("X-Frame-Options", "SAMEORIGIN")
		}
		return next(c)
	}
}
