// Package modelstore installs GGUF models into a static bundle: it splits a file into
// content-addressed shards under <static>/models/<id>/, describes them in manifest.json and
// lists every installed model in <static>/models/index.json. The browser loader reads these
// two files; any static host can serve them.
//
// manifest.json:
//
//	{
//	  "format": 1,
//	  "id": "stories260K",                 // folder name under models/
//	  "name": "stories260K",               // general.name, else the id
//	  "architecture": "llama",             // general.architecture
//	  "parameters": 292928,                // sum of the tensors' elements
//	  "quant": "F32",                      // general.file_type's name, else the dominant tensor type
//	  "context_length": 512,               // <arch>.context_length (0 when absent)
//	  "file_size": 1185376,                // bytes of the whole GGUF
//	  "sha256": "…",                       // of the whole GGUF
//	  "has_chat_template": false,          // tokenizer.chat_template present
//	  "license": "mit",                    // general.license, omitted when absent
//	  "shard_size": 67108864,
//	  "part_size": 4194304,
//	  "shards": [{"file": "shard-000.1a2b3c4d5e6f7a8b.bin", "start": 0, "end": 1185376, "sha256": "…",
//	              "parts": ["…", …]}]
//	}
//
// Shards are consecutive byte ranges [start, end) of the file; their concatenation is the
// file. A shard's name carries the first 16 hex digits of its sha256, so it can be cached
// forever. A shard's parts are the sha256 of its consecutive part_size-byte pieces (the
// last one shorter): the browser reads, checks and caches a shard a part at a time, so it
// checks each part with WebCrypto as it comes instead of hashing the whole shard in one
// buffer (WebCrypto takes no stream) or in JavaScript. Manifests without parts (written
// before) are checked against the shard's sha256. index.json is {"format": 1, "models": [entry…]} sorted by id, where an entry repeats
// the manifest's summary fields and "manifest" is the manifest's path relative to index.json.
package modelstore

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Format is the version of manifest.json and index.json this package writes.
const Format = 1

// Manifest describes one installed model.
type Manifest struct {
	Format int `json:"format"`
	Summary
	SHA256    string  `json:"sha256"`
	ShardSize int64   `json:"shard_size"`
	PartSize  int64   `json:"part_size,omitempty"`
	Shards    []Shard `json:"shards"`
}

// Summary is what index.json repeats of each manifest: enough for a model picker.
type Summary struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Architecture    string `json:"architecture"`
	Parameters      int64  `json:"parameters"`
	Quant           string `json:"quant"`
	ContextLength   int64  `json:"context_length"`
	FileSize        int64  `json:"file_size"`
	HasChatTemplate bool   `json:"has_chat_template"`
	License         string `json:"license,omitempty"`
}

// Shard is the byte range [Start, End) of the model file, stored as File.
type Shard struct {
	File   string   `json:"file"`
	Start  int64    `json:"start"`
	End    int64    `json:"end"`
	SHA256 string   `json:"sha256"`
	Parts  []string `json:"parts,omitempty"` // sha256 of each PartSize piece
}

// PartSizeFor is the part size of a manifest with shards of shardSize bytes: an eighth of
// a shard, between 64 KiB and 4 MiB (the download caches a 64 MiB shard every 4 MiB, and
// even a small shard in several parts).
func PartSizeFor(shardSize int64) int64 {
	return min(4<<20, max(64<<10, (shardSize+7)/8))
}

// Index lists the installed models.
type Index struct {
	Format int          `json:"format"`
	Models []IndexEntry `json:"models"`
}

// IndexEntry is one model of the index.
type IndexEntry struct {
	Summary
	Manifest string `json:"manifest"` // relative to index.json: "<id>/manifest.json"
}

// ModelsDir is the folder of the installed models inside a static bundle.
func ModelsDir(static string) string { return filepath.Join(static, "models") }

// ReadManifest reads <static>/models/<id>/manifest.json.
func ReadManifest(static, id string) (*Manifest, error) {
	if err := ValidID(id); err != nil {
		return nil, err
	}
	var m Manifest
	if err := readJSON(filepath.Join(ModelsDir(static), id, "manifest.json"), &m); err != nil {
		return nil, err
	}
	if m.Format != Format {
		return nil, fmt.Errorf("model %s: manifest format %d, want %d", id, m.Format, Format)
	}
	return &m, nil
}

// ReadIndex reads <static>/models/index.json.
func ReadIndex(static string) (*Index, error) {
	var ix Index
	if err := readJSON(filepath.Join(ModelsDir(static), "index.json"), &ix); err != nil {
		return nil, err
	}
	return &ix, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

// writeJSONAtomic writes v as indented JSON to path through a temporary file in the same
// folder and a rename, so readers see the old file or the new one, never a part.
func writeJSONAtomic(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
