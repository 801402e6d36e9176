package chat

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "regenerate testdata/jinja2_golden.json with Python jinja2 (testdata/jinja2_ref.py)")

type jinja2Case struct {
	Name     string                     `json:"name"`
	Template string                     `json:"template"`
	Context  map[string]json.RawMessage `json:"context"`
}

// TestJinja2 renders testdata/jinja2_cases.json, small templates aimed at the features chat
// templates use and at each gap this package fills, and compares them with what Python's
// jinja2 renders under HF transformers' settings (testdata/jinja2_golden.json).
func TestJinja2(t *testing.T) {
	if *update {
		cmd := exec.Command("python3", filepath.Join("testdata", "jinja2_ref.py"))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("jinja2_ref.py: %v\n%s", err, out)
		}
	}
	var cases []jinja2Case
	readJSON(t, filepath.Join("testdata", "jinja2_cases.json"), &cases)
	var golden struct {
		Cases map[string]struct {
			Rendered *string `json:"rendered"`
			Error    *string `json:"error"`
		} `json:"cases"`
	}
	readJSON(t, filepath.Join("testdata", "jinja2_golden.json"), &golden)
	now := time.Date(2024, 7, 26, 12, 0, 0, 0, time.UTC)
	pass := 0
	for _, c := range cases {
		want, ok := golden.Cases[c.Name]
		if !ok {
			t.Errorf("%s: not in jinja2_golden.json (run with -update)", c.Name)
			continue
		}
		ctx := map[string]any{}
		for k, v := range c.Context {
			ctx[k] = v
		}
		got, err := renderSource(c.Template, RenderOptions{Context: ctx, Now: now})
		switch {
		case want.Error != nil:
			if err == nil || !strings.Contains(err.Error(), *want.Error) {
				t.Errorf("%s: got %q, %v; want an error saying %q", c.Name, got, err, *want.Error)
				continue
			}
		case err != nil:
			t.Errorf("%s: %v", c.Name, err)
			continue
		case got != *want.Rendered:
			t.Errorf("%s:\n got %q\nwant %q", c.Name, got, *want.Rendered)
			continue
		}
		pass++
	}
	t.Logf("jinja2 reference cases: %d of %d pass", pass, len(cases))
}

// renderSource renders a template with no messages, for tests of the Jinja layer alone.
// TestJinja2Templates renders testdata/tool_conversation.json (tools, a tool call, a tool
// result) with each real template in shared/templates and compares with Python jinja2's render
// of the same (jinja2_golden.json "templates"): tojson of real tool schemas, indent=4 in the
// Llama templates, argument objects, and the templates' own raise_exception.
func TestJinja2Templates(t *testing.T) {
	dir, g, now := loadGolden(t)
	var golden struct {
		Templates map[string]struct {
			Rendered *string `json:"rendered"`
			Error    *string `json:"error"`
		} `json:"templates"`
	}
	readJSON(t, filepath.Join("testdata", "jinja2_golden.json"), &golden)
	var conv struct {
		Messages []Message       `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
	}
	readJSON(t, filepath.Join("testdata", "tool_conversation.json"), &conv)
	pass := 0
	for name, info := range g.Templates {
		want, ok := golden.Templates[name]
		if !ok {
			t.Errorf("%s: not in jinja2_golden.json (run with -update)", name)
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		tmpl, err := Parse(string(src))
		if err != nil {
			t.Fatal(err)
		}
		got, err := tmpl.Render(conv.Messages, RenderOptions{
			BOS: info.BOS, EOS: info.EOS, AddGenerationPrompt: true, Now: now,
			Context: map[string]any{"tools": conv.Tools},
		})
		switch {
		case want.Error != nil:
			if err == nil || !strings.Contains(err.Error(), *want.Error) {
				t.Errorf("%s: got %q, %v; want an error saying %q", name, got, err, *want.Error)
				continue
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
			continue
		case got != *want.Rendered:
			t.Errorf("%s:\n got %q\nwant %q", name, got, *want.Rendered)
			continue
		}
		pass++
	}
	t.Logf("tool conversation on %d templates: %d match jinja2", len(g.Templates), pass)
}

func renderSource(src string, opts RenderOptions) (string, error) {
	tmpl, err := Parse(src)
	if err != nil {
		return "", err
	}
	return tmpl.Render(nil, opts)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
