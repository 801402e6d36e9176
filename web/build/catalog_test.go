package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAddCatalog: catalog.json carries internal/catalog's models (a list, or an object
// with one) and the hub; a bad hub or a catalog that is not JSON fails the build; without
// a catalog the file lists no models.
func TestAddCatalog(t *testing.T) {
	stage := func(t *testing.T, catalog, hub string) (catalogFile, error) {
		t.Helper()
		root := t.TempDir()
		if catalog != "" {
			p := filepath.Join(root, filepath.FromSlash(catalogSource))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(catalog), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b := &builder{opt: Options{Root: root}, files: map[string]*staged{}}
		var c catalogFile
		if err := b.addCatalog(hub); err != nil {
			return c, err
		}
		s := b.files[catalogName]
		if s == nil {
			t.Fatal("catalog.json was not staged")
		}
		if err := json.Unmarshal(s.data, &c); err != nil {
			t.Fatal(err)
		}
		return c, nil
	}
	entry := `{"id":"smollm2-135m-instruct-q8_0","repo":"bartowski/SmolLM2-135M-Instruct-GGUF","file":"SmolLM2-135M-Instruct-Q8_0.gguf"}`
	for _, tc := range []struct{ name, catalog, hub, wantHub string }{
		{"list", "[" + entry + "]", "", defaultHub},
		{"object", `{"models":[` + entry + `]}`, "https://mirror.example/hf/", "https://mirror.example/hf"},
	} {
		c, err := stage(t, tc.catalog, tc.hub)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if c.Format != 1 || c.Hub != tc.wantHub || len(c.Models) != 1 || !strings.Contains(string(c.Models[0]), "SmolLM2-135M-Instruct-Q8_0.gguf") {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	if c, err := stage(t, "", ""); err != nil || len(c.Models) != 0 || c.Hub != defaultHub {
		t.Errorf("no catalog: %+v, %v", c, err)
	}
	if _, err := stage(t, "[{", ""); err == nil || !strings.Contains(err.Error(), catalogSource) {
		t.Errorf("broken catalog: err = %v, want one naming %s", err, catalogSource)
	}
	if _, err := stage(t, "", "ftp://mirror"); err == nil || !strings.Contains(err.Error(), "http(s)") {
		t.Errorf("ftp hub: err = %v", err)
	}
}
