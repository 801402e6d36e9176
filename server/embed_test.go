package main

import (
	"net/http"
	"strings"
	"testing"
)

func TestEmbedPage(t *testing.T) {
	for _, withPage := range []bool{true, false} {
		files := map[string]string{"index.html": "app"}
		if withPage {
			files["embed.html"] = "<!doctype html><title>embed</title>"
		}
		s, err := openStatic(writeTree(t, files))
		if err != nil {
			t.Fatal(err)
		}
		e := newEcho()
		e.GET("/embed", serveFile(s), embedPage(s))
		rec := do(e, "GET", "/embed")
		switch {
		case withPage && (rec.Code != http.StatusOK || rec.Body.String() != files["embed.html"] ||
			rec.Header().Get("Content-Type") != "text/html; charset=utf-8"):
			t.Errorf("/embed: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
		case !withPage && (rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), "embed.html")):
			t.Errorf("/embed without embed.html: %d %q, want a 404 that says so", rec.Code, rec.Body.String())
		}
	}
	for p, want := range map[string]bool{"/embed": true, "/embed/x.js": true, "/embed.html": true, "/embedx": false, "/x/embed": false} {
		if isEmbedPath(p) != want {
			t.Errorf("isEmbedPath(%q) = %v", p, !want)
		}
	}
}
