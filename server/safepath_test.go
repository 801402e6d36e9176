package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

func TestCleanPath(t *testing.T) {
	for _, c := range []struct {
		in   string
		rel  string
		dir  bool
		code int // 0: accepted
	}{
		{"/", "", true, 0},
		{"/index.html", "index.html", false, 0},
		{"/a/b.js", "a/b.js", false, 0},
		{"/docs/", "docs", true, 0},
		{"/sp%20ace.txt", "sp ace.txt", false, 0},
		{"/.well-known/x", ".well-known/x", false, 0},
		{"/../etc/passwd", "", false, 400},
		{"/a/../../etc/passwd", "", false, 400},
		{"/%2e%2e/etc/passwd", "", false, 400},
		{"/%2E%2E/etc/passwd", "", false, 400},
		{"/.%2e/etc/passwd", "", false, 400},
		{"/./index.html", "", false, 400},
		{"/a%2f..%2f..%2fetc%2fpasswd", "", false, 400},
		{"/a%5c..%5cb", "", false, 400},
		{"/a\\b", "", false, 400},
		{"/a%00b", "", false, 400},
		{"//evil.example/", "", false, 400},
		{"/a//b", "", false, 400},
		{"/%zz", "", false, 400},
		{"relative", "", false, 400},
		{"/.git/config", "", false, 404},
		{"/.env", "", false, 404},
	} {
		rel, dir, err := cleanPath(c.in)
		code := 0
		if he, ok := err.(*echo.HTTPError); ok {
			code = he.Code
		} else if err != nil {
			code = -1
		}
		if code != c.code || rel != c.rel || dir != c.dir {
			t.Errorf("cleanPath(%q) = %q, %v, %v; want %q, %v, code %d", c.in, rel, dir, err, c.rel, c.dir, c.code)
		}
	}
}

func TestResolvePath(t *testing.T) {
	outside := writeTree(t, map[string]string{"secret.txt": "secret", "sub/x.txt": "x"})
	dir := writeTree(t, map[string]string{
		"index.html": "root", "docs/index.html": "docs", "empty/.keep": "", "app.js": "js",
		".git/config": "git", "real/target.txt": "target",
	})
	for link, to := range map[string]string{
		"out.txt":   filepath.Join(outside, "secret.txt"), // absolute, outside
		"outdir":    filepath.Join(outside, "sub"),        // folder outside
		"rel-out":   "../" + filepath.Base(outside) + "/secret.txt",
		"in.txt":    "real/target.txt", // inside: allowed
		"loop":      "loop",
		"dangling":  "nowhere",
		"docs-link": "docs",
	} {
		if err := os.Symlink(to, filepath.Join(dir, link)); err != nil {
			t.Skip("symlinks unavailable:", err)
		}
	}
	s, err := openStatic(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := newEcho()
	e.Any("/*", func(c echo.Context) error {
		tg, _ := getTarget(c)
		return c.String(http.StatusOK, tg.name+" -> "+tg.rel)
	}, resolvePath(s))

	for _, c := range []struct {
		path string
		code int
		body string
	}{
		{"/", 200, "/index.html -> index.html"},
		{"/docs/", 200, "/docs/index.html -> docs/index.html"},
		{"/docs", 301, ""},
		{"/docs-link/", 200, "/docs-link/index.html -> docs/index.html"},
		{"/app.js", 200, "/app.js -> app.js"},
		{"/app.js/", 404, ""},
		{"/in.txt", 200, "/in.txt -> real/target.txt"},
		{"/empty/", 404, ""},
		{"/missing.js", 404, ""},
		{"/out.txt", 404, ""},
		{"/outdir/x.txt", 404, ""},
		{"/rel-out", 404, ""},
		{"/loop", 404, ""},
		{"/dangling", 404, ""},
		{"/.git/config", 404, ""},
		{"/../" + filepath.Base(outside) + "/secret.txt", 400, ""},
		{"/%2e%2e/" + filepath.Base(outside) + "/secret.txt", 400, ""},
	} {
		rec := do(e, "GET", c.path)
		if rec.Code != c.code || c.body != "" && rec.Body.String() != c.body {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, rec.Code, rec.Body.String(), c.code, c.body)
		}
	}
	if rec := do(e, "GET", "/docs?x=1"); rec.Header().Get("Location") != "/docs/?x=1" {
		t.Errorf("redirect to %q, want /docs/?x=1", rec.Header().Get("Location"))
	}
}

func TestOpenStaticRefusesFile(t *testing.T) {
	dir := writeTree(t, map[string]string{"f": "x"})
	if _, err := openStatic(filepath.Join(dir, "f")); err == nil {
		t.Error("a file accepted as the static folder")
	}
	if _, err := openStatic(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing folder accepted")
	}
}

// FuzzCleanPath: whatever comes in, an accepted path is relative, has no empty, "." or ".."
// segment and no backslash or NUL, so joining it under the folder cannot climb out.
func FuzzCleanPath(f *testing.F) {
	for _, s := range []string{"/", "/a/b.js", "/%2e%2e/x", "/a%2fb", "/.well-known/x", "//x", "/a/./b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		rel, _, err := cleanPath(in)
		if err != nil {
			return
		}
		if strings.HasPrefix(rel, "/") || strings.ContainsAny(rel, "\\\x00") {
			t.Fatalf("cleanPath(%q) = %q", in, rel)
		}
		if rel == "" {
			return
		}
		for _, seg := range strings.Split(rel, "/") {
			if seg == "" || seg == "." || seg == ".." || seg[0] == '.' && seg != ".well-known" {
				t.Fatalf("cleanPath(%q) = %q: bad segment %q", in, rel, seg)
			}
		}
		if filepath.Clean("/"+rel) != "/"+filepath.FromSlash(rel) {
			t.Fatalf("cleanPath(%q) = %q is not clean", in, rel)
		}
	})
}
