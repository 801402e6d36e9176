package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestServiceWorkerBuilt: sw.js keeps its name and names its version and every file of the
// app shell (the page, the manifest, and each hashed asset the page uses).
func TestServiceWorkerBuilt(t *testing.T) {
	res := built(t)
	sw := string(readOut(t, swName))
	if !regexp.MustCompile(`"[0-9a-f]{12}"`).MatchString(sw) {
		t.Errorf("sw.js has no 12-digit version")
	}
	a := res.Assets
	want := []string{indexName, manifestName, a.Script, a.Style, a.Icon, a.Client, a.Worker, a.Engine, a.WasmExec}
	for _, n := range a.EngineFiles {
		want = append(want, n)
	}
	for _, n := range want {
		if n != "" && !strings.Contains(sw, `"`+n+`"`) {
			t.Errorf("sw.js does not precache %s", n)
		}
	}
	if strings.Contains(sw, `.br"`) || strings.Contains(sw, `.gz"`) || strings.Contains(sw, `"sw.js"`) {
		t.Error("sw.js precaches a compressed sibling or itself")
	}
}

// TestShellVersion: the precache list leaves sw.js out, and the version changes with any
// file's bytes and only then.
func TestShellVersion(t *testing.T) {
	files := map[string]*staged{
		"index.html":      {data: []byte("<p>page")},
		"app.0badc0de.js": {data: []byte("code")},
		"sw.js":           {data: []byte("worker")},
	}
	names := precacheList(files)
	if strings.Join(names, " ") != "app.0badc0de.js index.html" {
		t.Fatalf("precache list %v", names)
	}
	v1 := shellVersion(files, names)
	if v1 != shellVersion(files, names) || len(v1) != 12 {
		t.Fatalf("version %q is not a stable 12-digit hash", v1)
	}
	files["sw.js"].data = []byte("another worker")
	if shellVersion(files, precacheList(files)) != v1 {
		t.Error("the version changed with sw.js, which is not in the shell")
	}
	files["index.html"].data = []byte("<p>page 2")
	if shellVersion(files, precacheList(files)) == v1 {
		t.Error("the version did not change with index.html")
	}
}
