package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestSecurityHeaders(t *testing.T) {
	e := newEcho()
	e.Pre(securityHeaders)
	e.Any("/*", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	for _, c := range []struct {
		path, corp, ancestors, xfo string
	}{
		{"/", "same-origin", "frame-ancestors 'self'", "SAMEORIGIN"},
		{"/app.3fa2b9c1.js", "same-origin", "frame-ancestors 'self'", "SAMEORIGIN"},
		{"/models/m/shard-000.0123456789abcdef.bin", "same-origin", "frame-ancestors 'self'", "SAMEORIGIN"},
		{"/embed", "cross-origin", "frame-ancestors *", ""},
		{"/embed.html", "cross-origin", "frame-ancestors *", ""},
		{"/embed/app.3fa2b9c1.css", "cross-origin", "frame-ancestors *", ""},
		{"/widget.js", "cross-origin", "frame-ancestors 'self'", "SAMEORIGIN"},
		{"/embedded.html", "same-origin", "frame-ancestors 'self'", "SAMEORIGIN"},
	} {
		h := do(e, "GET", c.path).Header()
		if h.Get("Cross-Origin-Opener-Policy") != "same-origin" || h.Get("Cross-Origin-Embedder-Policy") != "require-corp" {
			t.Errorf("%s: COOP %q COEP %q", c.path, h.Get("Cross-Origin-Opener-Policy"), h.Get("Cross-Origin-Embedder-Policy"))
		}
		if h.Get("Cross-Origin-Resource-Policy") != c.corp {
			t.Errorf("%s: CORP %q, want %q", c.path, h.Get("Cross-Origin-Resource-Policy"), c.corp)
		}
		csp := h.Get("Content-Security-Policy")
		if !strings.HasSuffix(csp, "; "+c.ancestors) || strings.Count(csp, "frame-ancestors") != 1 {
			t.Errorf("%s: CSP %q, want it to end with %q", c.path, csp, c.ancestors)
		}
		for _, d := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self' blob:", "object-src 'none'",
			"connect-src 'self' https: http://localhost:* http://127.0.0.1:*"} {
			if !strings.Contains(csp, d+";") {
				t.Errorf("%s: CSP lacks %q", c.path, d)
			}
		}
		if strings.Contains(csp, "'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("%s: CSP is not strict: %q", c.path, csp)
		}
		if h.Get("X-Frame-Options") != c.xfo || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Frame-Options %q nosniff %q", c.path, h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"))
		}
	}
}
