// Package catalog is Hearth's list of small open models on Hugging Face
// (catalog.json, embedded): for each one its repository, file, revision, quant type, size,
// sha256 where known, architecture, context length, license, whether it reasons
// (<think>), and a one-line description. `hearth pull CATALOG-ID` resolves ids through it;
// the browser app reads the same file.
package catalog

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

//go:embed catalog.json
var data []byte

// JSON returns the catalog file as embedded.
func JSON() []byte { return append([]byte(nil), data...) }

// Model is one catalog entry.
type Model struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Repo          string `json:"repo"`     // "owner/name" on the hub
	File          string `json:"file"`     // path of the GGUF in the repository
	Revision      string `json:"revision"` // branch, tag or commit ("main")
	Quant         string `json:"quant"`    // llama.cpp's file type name: Q8_0, Q4_K_M, …
	Size          int64  `json:"size"`     // bytes
	SHA256        string `json:"sha256"`   // hex; "" when not known ahead (the hub says)
	Architecture  string `json:"architecture"`
	ContextLength int    `json:"context_length"` // tokens the model was trained for
	License       string `json:"license"`
	Reasons       bool   `json:"reasons"` // writes <think>…</think> before its answer
	Description   string `json:"description"`
	Verified      string `json:"verified"` // what was checked, and against what
}

type file struct {
	Version int     `json:"version"`
	About   string  `json:"about"`
	Models  []Model `json:"models"`
}

var models = mustParse(data)

func mustParse(b []byte) []Model {
	ms, err := Parse(b)
	if err != nil {
		panic("catalog.json: " + err.Error())
	}
	return ms
}

// All returns every catalog entry, in the file's order.
func All() []Model { return append([]Model(nil), models...) }

// Lookup finds an entry by id (case-insensitive).
func Lookup(id string) (Model, bool) {
	for _, m := range models {
		if strings.EqualFold(m.ID, id) {
			return m, true
		}
	}
	return Model{}, false
}

// IDs lists the catalog's ids, for messages.
func IDs() []string {
	out := make([]string, len(models))
	for i, m := range models {
		out[i] = m.ID
	}
	return out
}

// Parse reads a catalog file and validates every entry.
func Parse(b []byte) ([]Model, error) {
	var f file
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if f.Version != 1 {
		return nil, fmt.Errorf("version %d, want 1", f.Version)
	}
	if len(f.Models) == 0 {
		return nil, errors.New("no models")
	}
	seen := map[string]bool{}
	for _, m := range f.Models {
		if err := m.Validate(); err != nil {
			return nil, err
		}
		id := strings.ToLower(m.ID)
		if seen[id] {
			return nil, fmt.Errorf("%s: listed twice", m.ID)
		}
		seen[id] = true
	}
	return f.Models, nil
}

var (
	idPattern   = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	repoPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$`)
	shaPattern  = regexp.MustCompile(`^[0-9a-f]{64}$`)
	quants      = map[string]bool{"F32": true, "F16": true, "BF16": true, "Q8_0": true, "Q6_K": true, "Q5_K_M": true, "Q5_K_S": true,
		"Q5_0": true, "Q5_1": true, "Q4_K_M": true, "Q4_K_S": true, "Q4_0": true, "Q4_1": true, "Q3_K_M": true, "Q2_K": true, "IQ4_NL": true}
	architectures = map[string]bool{"llama": true, "qwen2": true, "qwen3": true, "gemma3": true}
)

// Validate checks one entry: names the hub accepts, a .gguf file without relative
// segments, a known quant type and architecture (one the engine runs), a positive size
// and context, a sha256 that is empty or 64 lowercase hex digits, a one-line description.
func (m Model) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s: %s", m.ID, fmt.Sprintf(format, args...))
	}
	if !idPattern.MatchString(m.ID) {
		return fmt.Errorf("id %q: want lowercase letters, digits, '.', '_' or '-'", m.ID)
	}
	if m.Name == "" {
		return fail("no name")
	}
	if !repoPattern.MatchString(m.Repo) {
		return fail("repo %q: want OWNER/NAME", m.Repo)
	}
	if !strings.HasSuffix(m.File, ".gguf") {
		return fail("file %q: want a .gguf", m.File)
	}
	for _, seg := range strings.Split(m.File, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fail("file %q: empty or relative path segment", m.File)
		}
	}
	if m.Revision == "" || strings.ContainsAny(m.Revision, "/ ") {
		return fail("revision %q", m.Revision)
	}
	if !quants[m.Quant] {
		return fail("quant %q: not a known type", m.Quant)
	}
	if m.Size <= 0 {
		return fail("size %d", m.Size)
	}
	if m.SHA256 != "" && !shaPattern.MatchString(m.SHA256) {
		return fail("sha256 %q: want 64 lowercase hex digits or empty", m.SHA256)
	}
	if !architectures[m.Architecture] {
		return fail("architecture %q: not one the engine runs", m.Architecture)
	}
	if m.ContextLength <= 0 {
		return fail("context_length %d", m.ContextLength)
	}
	if m.License == "" {
		return fail("no license")
	}
	if m.Description == "" || strings.ContainsAny(m.Description, "\n\r") || len(m.Description) > 160 {
		return fail("description: want one line of at most 160 bytes")
	}
	if m.Verified == "" {
		return fail("verified: say what was checked")
	}
	return nil
}
