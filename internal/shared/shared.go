// Package shared locates the project's external test data folder (../shared next to the
// repository, or $HEARTH_TESTDATA): llama.cpp's golden outputs, the conformance models, the
// vocab test vectors and the chat templates. Tests that need it skip with a clear message
// when it is absent; the project's self-contained tests still run.
package shared

import (
	"os"
	"path/filepath"
	"testing"
)

// Find returns the shared test-data folder, or "" when there is none.
func Find() string {
	if d := os.Getenv("HEARTH_TESTDATA"); d != "" {
		if isDir(d) {
			return d
		}
		return ""
	}
	root := RepoRoot()
	if root == "" {
		return ""
	}
	d := filepath.Join(filepath.Dir(root), "shared")
	if isDir(filepath.Join(d, "models")) {
		return d
	}
	return ""
}

// Dir returns the shared test-data folder or skips the test, saying why.
func Dir(tb testing.TB) string {
	tb.Helper()
	d := Find()
	if d == "" {
		tb.Skip("shared test data not found: put it at ../shared next to the repository or set HEARTH_TESTDATA (skipping the llama.cpp conformance part)")
	}
	return d
}

// Path joins elements onto the shared folder, skipping the test when the folder or the
// file is missing.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	p := filepath.Join(append([]string{Dir(tb)}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared test file missing: %s", p)
	}
	return p
}

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
