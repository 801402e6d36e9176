//go:build !js

package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

func TestPullCommand(t *testing.T) {
	src := shared.Path(t, "models", "stories260K.gguf")
	content, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var served []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		mu.Unlock()
		switch r.URL.Path {
		case "/karpathy/tinyllamas/resolve/main/stories260K.gguf":
			http.Redirect(w, r, "/cdn/blob", http.StatusFound)
		case "/cdn/blob":
			w.Header().Set("ETag", `"blob"`)
			http.ServeContent(w, r, "stories260K.gguf", time.Time{}, bytes.NewReader(content))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	static, dl := t.TempDir(), t.TempDir()
	t.Setenv("HEARTH_HUB", srv.URL)
	if err := runPull([]string{"karpathy/tinyllamas/stories260K.gguf", "--static", static, "--dir", dl, "--shard-size", "512KiB"}); err != nil {
		t.Fatal(err)
	}
	m, err := modelstore.ReadManifest(static, "stories260K")
	if err != nil {
		t.Fatal(err)
	}
	if m.FileSize != int64(len(content)) || len(m.Shards) != 3 || m.Architecture != "llama" {
		t.Errorf("manifest %+v", m.Summary)
	}
	if _, err := os.Stat(filepath.Join(dl, "karpathy", "tinyllamas", "stories260K.gguf")); err == nil {
		t.Error("downloaded GGUF kept without --keep")
	}

	// --hub overrides the environment; a missing file is a clear 404.
	err = runPull([]string{"--hub", srv.URL + "/", "karpathy/tinyllamas/nope.gguf", "--static", static, "--dir", dl, "--id", "nope"})
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "nope.gguf") {
		t.Errorf("err = %v, want a 404 naming the file", err)
	}
	if err := runPull([]string{"just-a-file.gguf", "--static", static}); err == nil || !strings.Contains(err.Error(), "OWNER/REPO/FILE.gguf") {
		t.Errorf("bad reference: err = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(served) != 3 {
		t.Errorf("hub saw %v, want the redirect, the file and the 404", served)
	}
}
