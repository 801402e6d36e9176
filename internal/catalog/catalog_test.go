package catalog

import (
	"strings"
	"testing"
)

func TestEmbeddedCatalogIsValid(t *testing.T) {
	ms, err := Parse(JSON())
	if err != nil {
		t.Fatal(err)
	}
	// The models issue 16 asks for, by repository file.
	want := []string{
		"SmolLM2-135M-Instruct-Q8_0.gguf", "smollm2-360m-instruct-q8_0.gguf",
		"qwen2.5-0.5b-instruct-q4_k_m.gguf", "qwen2.5-0.5b-instruct-q8_0.gguf", "Qwen3-0.6B-Q8_0.gguf",
		"Llama-3.2-1B-Instruct-Q4_K_M.gguf", "DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf",
		"gemma-3-270m-it-Q8_0.gguf", "gemma-3-1b-it-Q4_K_M.gguf",
	}
	files := map[string]Model{}
	for _, m := range ms {
		files[m.File] = m
	}
	for _, f := range want {
		if _, ok := files[f]; !ok {
			t.Errorf("catalog lacks %s", f)
		}
	}
	// The quant type is the one the file name says.
	for _, m := range ms {
		if !strings.Contains(strings.ToLower(m.File), strings.ToLower(m.Quant)) {
			t.Errorf("%s: quant %s but file %s", m.ID, m.Quant, m.File)
		}
	}
	if m, ok := Lookup("QWEN3-0.6B-Q8_0"); !ok || !m.Reasons || m.Architecture != "qwen3" {
		t.Errorf("Lookup qwen3: %+v %v", m, ok)
	}
	if _, ok := Lookup("nope"); ok {
		t.Error("Lookup found an id that is not listed")
	}
}

func TestValidateRefuses(t *testing.T) {
	good, _ := Lookup("smollm2-135m-instruct-q8_0")
	cases := map[string]func(*Model){
		"id":           func(m *Model) { m.ID = "Bad Id" },
		"repo":         func(m *Model) { m.Repo = "no-slash" },
		"file":         func(m *Model) { m.File = "model.bin" },
		"traversal":    func(m *Model) { m.File = "../x.gguf" },
		"revision":     func(m *Model) { m.Revision = "" },
		"quant":        func(m *Model) { m.Quant = "Q9_9" },
		"size":         func(m *Model) { m.Size = 0 },
		"sha256":       func(m *Model) { m.SHA256 = strings.ToUpper(good.SHA256) },
		"architecture": func(m *Model) { m.Architecture = "mamba" },
		"context":      func(m *Model) { m.ContextLength = 0 },
		"license":      func(m *Model) { m.License = "" },
		"description":  func(m *Model) { m.Description = "two\nlines" },
		"verified":     func(m *Model) { m.Verified = "" },
	}
	for name, spoil := range cases {
		m := good
		spoil(&m)
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted %+v", name, m)
		}
	}
	if err := good.Validate(); err != nil {
		t.Errorf("the good entry: %v", err)
	}
	noSHA := good
	noSHA.SHA256 = ""
	if err := noSHA.Validate(); err != nil {
		t.Errorf("an empty sha256 (learned from the hub) must be allowed: %v", err)
	}
	for _, bad := range []string{
		`{"version": 2, "models": []}`,
		`{"version": 1, "models": []}`,
		`{"version": 1, "models": [], "extra": 1}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s) accepted", bad)
		}
	}
	dup := `{"version":1,"models":[` + entryJSON(good) + `,` + entryJSON(good) + `]}`
	if _, err := Parse([]byte(dup)); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a duplicate id: %v", err)
	}
}

func entryJSON(m Model) string {
	return `{"id":"` + m.ID + `","name":"n","repo":"` + m.Repo + `","file":"` + m.File + `","revision":"main","quant":"` + m.Quant +
		`","size":1,"sha256":"","architecture":"llama","context_length":1,"license":"x","reasons":false,"description":"d","verified":"v"}`
}
