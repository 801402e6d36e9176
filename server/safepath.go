package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/labstack/echo/v4"
)

// staticFS is the served folder. Nothing outside it is ever opened: request paths are
// checked segment by segment (no "..", ".", encoded slashes, NUL or hidden names), every
// candidate is resolved with filepath.EvalSymlinks and must still lie under the folder,
// and files are opened through an os.Root of the folder as a second guard.
type staticFS struct {
	dir  string // absolute, symlinks resolved
	root *os.Root
}

func openStatic(dir string) (*staticFS, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("static folder: %w", err)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("static folder %s is not a directory", dir)
	}
	root, err := os.OpenRoot(real)
	if err != nil {
		return nil, err
	}
	return &staticFS{dir: real, root: root}, nil
}

// target is the file a request resolved to.
type target struct {
	name     string      // logical URL path of the file: "/index.html", "/models/m/shard-000.….bin"
	rel      string      // path of the file to send, relative to the folder, symlinks resolved
	info     fs.FileInfo // of that file
	encoding string      // Content-Encoding of a precompressed variant, else ""
}

const targetKey = "hearth.target"

func getTarget(c echo.Context) (*target, bool) {
	t, ok := c.Get(targetKey).(*target)
	return t, ok
}

var errNotFound = echo.NewHTTPError(http.StatusNotFound)

// inside resolves the slash path rel (already checked by cleanPath) through any symlinks
// and returns where it really leads, relative to the folder — or errNotFound when it does
// not exist or leads outside the folder.
func (s *staticFS) inside(rel string) (string, fs.FileInfo, error) {
	p, err := filepath.EvalSymlinks(filepath.Join(s.dir, filepath.FromSlash(rel)))
	if err != nil {
		return "", nil, errNotFound
	}
	if p != s.dir && !strings.HasPrefix(p, strings.TrimSuffix(s.dir, string(filepath.Separator))+string(filepath.Separator)) {
		return "", nil, errNotFound
	}
	r, err := filepath.Rel(s.dir, p)
	if err != nil {
		return "", nil, errNotFound
	}
	info, err := s.root.Stat(r)
	if err != nil {
		return "", nil, errNotFound
	}
	return filepath.ToSlash(r), info, nil
}

// file resolves rel to a regular file, or errNotFound.
func (s *staticFS) file(rel string) (*target, error) {
	r, info, err := s.inside(rel)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errNotFound
	}
	return &target{name: "/" + rel, rel: r, info: info}, nil
}

// cleanPath checks an escaped URL path segment by segment and returns it decoded, without
// the leading slash, and whether it ended with a slash. Malformed or traversing paths are
// 400; hidden names (".git", ".env") are 404 except ".well-known".
func cleanPath(escaped string) (rel string, dir bool, err error) {
	if !strings.HasPrefix(escaped, "/") {
		return "", false, echo.NewHTTPError(http.StatusBadRequest, "path must start with /")
	}
	segs := strings.Split(escaped[1:], "/")
	out := make([]string, 0, len(segs))
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return "", false, echo.NewHTTPError(http.StatusBadRequest, "malformed path")
		}
		switch {
		case dec == "" && i == len(segs)-1:
			dir = true
		case dec == "":
			return "", false, echo.NewHTTPError(http.StatusBadRequest, "empty path segment")
		case dec == "." || dec == "..":
			return "", false, echo.NewHTTPError(http.StatusBadRequest, "relative path segment")
		case strings.ContainsAny(dec, "/\\\x00"):
			return "", false, echo.NewHTTPError(http.StatusBadRequest, "encoded separator in path")
		case dec[0] == '.' && dec != ".well-known":
			return "", false, errNotFound
		}
		if dec != "" {
			out = append(out, dec)
		}
	}
	return strings.Join(out, "/"), dir, nil
}

// resolvePath maps the request path to a regular file of the folder; a folder is served by
// its index.html (and redirected to its slash form first).
func resolvePath(s *staticFS) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			escaped := c.Request().URL.EscapedPath()
			rel, dir, err := cleanPath(escaped)
			if err != nil {
				return err
			}
			_, info, err := s.inside(rel)
			if err != nil {
				return err
			}
			if info.IsDir() {
				if !dir {
					// Safe: cleanPath refused empty segments, so this cannot become "//host".
					to := escaped + "/"
					if q := c.Request().URL.RawQuery; q != "" {
						to += "?" + q
					}
					return c.Redirect(http.StatusMovedPermanently, to)
				}
				rel = path.Join(rel, "index.html")
			} else if dir {
				return errNotFound // "/file.js/"
			}
			t, err := s.file(rel)
			if err != nil {
				return err
			}
			c.Set(targetKey, t)
			return next(c)
		}
	}
}

// isNotFound reports whether err is the 404 of this file.
func isNotFound(err error) bool {
	var he *echo.HTTPError
	return errors.As(err, &he) && he.Code == http.StatusNotFound
}
