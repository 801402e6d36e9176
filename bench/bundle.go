package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"

	"hearth/internal/modelstore"
)

//go:embed bench.js
var benchJS []byte

// buildBundle builds Hearth's static bundle into dir (go run ./web/build) and adds each
// model under models/<name>/.
func buildBundle(root, dir string, models []benchModel) error {
	logf("building the Hearth bundle (go run ./web/build --out %s)", dir)
	cmd := exec.Command("go", "run", "./web/build", "--out", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("web/build: %v\n%s", err, out)
	}
	for _, m := range models {
		if _, err := modelstore.Add(m.Path, modelstore.Options{Static: dir, ID: m.Name}); err != nil {
			return fmt.Errorf("add %s: %w", m.Name, err)
		}
	}
	return nil
}

var assetsBlock = regexp.MustCompile(`(?s)<script id="hearth-assets" type="application/json">(.*?)</script>`)

// benchPage is a bare page holding the bundle's asset list (so bench.js finds the hashed
// client and worker) and nothing of the app itself.
func benchPage(dir string) ([]byte, error) {
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		return nil, err
	}
	m := assetsBlock.FindSubmatch(idx)
	if m == nil {
		return nil, fmt.Errorf("%s has no hearth-assets block", filepath.Join(dir, "index.html"))
	}
	var assets struct{ Client, Worker string }
	if err := json.Unmarshal(m[1], &assets); err != nil {
		return nil, fmt.Errorf("hearth-assets: %w", err)
	}
	if assets.Client == "" || assets.Worker == "" {
		return nil, fmt.Errorf("hearth-assets names no client or worker: %s", m[1])
	}
	page := fmt.Sprintf(`<!doctype html>
<html><head><meta charset="utf-8"><title>Hearth browser benchmark</title>
<script id="hearth-assets" type="application/json">%s</script>
<script type="module" src="bench.js"></script>
</head><body><p id="status">%s</p></body></html>
`, m[1], html.EscapeString("ready"))
	return []byte(page), nil
}
