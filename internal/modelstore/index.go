package modelstore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// RebuildIndex rewrites <static>/models/index.json (atomically) from the manifests found in
// <static>/models/*/manifest.json, sorted by id. Folders without a readable manifest of this
// format, or whose manifest names another id, are left out.
func RebuildIndex(static string) (*Index, error) {
	dir := ModelsDir(static)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ix := &Index{Format: Format, Models: []IndexEntry{}}
	for _, e := range entries {
		if !e.IsDir() || ValidID(e.Name()) != nil {
			continue
		}
		m, err := ReadManifest(static, e.Name())
		if err != nil || m.ID != e.Name() {
			continue
		}
		ix.Models = append(ix.Models, IndexEntry{Summary: m.Summary, Manifest: m.ID + "/manifest.json"})
	}
	sort.Slice(ix.Models, func(i, j int) bool { return ix.Models[i].ID < ix.Models[j].ID })
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writeJSONAtomic(filepath.Join(dir, "index.json"), ix); err != nil {
		return nil, err
	}
	return ix, nil
}
