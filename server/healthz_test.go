package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestHealthz(t *testing.T) {
	e := newEcho()
	e.GET("/healthz", healthz)
	rec := do(e, "GET", "/healthz")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
		strings.TrimSpace(rec.Body.String()) != `{"status":"ok"}` {
		t.Errorf("healthz: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
}
