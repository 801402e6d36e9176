package main

import (
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestWidgetCORS(t *testing.T) {
	e := newEcho()
	e.Pre(widgetCORS)
	e.Any("/*", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	for path, want := range map[string]string{
		"/widget.js": "*", "/widget/icon.svg": "*", "/": "", "/app.js": "", "/models/index.json": "", "/embed": "",
	} {
		if got := do(e, "GET", path, "Origin", "https://other.example").Header().Get("Access-Control-Allow-Origin"); got != want {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", path, got, want)
		}
	}
}
