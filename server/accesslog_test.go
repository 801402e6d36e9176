package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestAccessLog(t *testing.T) {
	var log strings.Builder
	e := newEcho()
	e.Pre(accessLog(&log))
	e.GET("/ok", func(c echo.Context) error { return c.String(http.StatusOK, "hello") })
	e.GET("/fail", func(c echo.Context) error { return echo.NewHTTPError(http.StatusTeapot) })

	do(e, "GET", "/ok", "User-Agent", "test/1.0", "Referer", "http://r.example/")
	do(e, "GET", "/fail")
	do(e, "GET", "/ok?x=%22%0a", "User-Agent", "evil\"\n127.0.0.1 - - fake")
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), log.String())
	}
	re := regexp.MustCompile(`^192\.0\.2\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /ok HTTP/1\.1" 200 5 "http://r\.example/" "test/1\.0" \d+\.\dms$`)
	if !re.MatchString(lines[0]) {
		t.Errorf("line %q does not match %s", lines[0], re)
	}
	if !strings.Contains(lines[1], `"GET /fail HTTP/1.1" 418 `) {
		t.Errorf("error line %q: want the status the error handler sent", lines[1])
	}
	if !strings.Contains(lines[2], `"evil\"\n127.0.0.1 - - fake"`) {
		t.Errorf("user agent not escaped: %q", lines[2])
	}
}
