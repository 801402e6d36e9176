package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/labstack/echo/v4"
)

// writeTree creates files (path → content) under a new temporary folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// do sends one request to h; headers come in name, value pairs.
func do(h http.Handler, method, target string, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// newEcho returns an echo with the plain error handler, for testing one middleware.
func newEcho() *echo.Echo {
	e := echo.New()
	e.HTTPErrorHandler = plainErrorHandler
	return e
}

// fullServer is the whole handler over dir, logging to io.Discard.
func fullServer(t *testing.T, dir string) http.Handler {
	t.Helper()
	e, err := newServer(dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
