package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"hearth/internal/shared"
)

// buildHearth builds the command into a temporary folder.
func buildHearth(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses on " + runtime.GOOS)
	}
	bin := filepath.Join(t.TempDir(), "hearth")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestTemplateCommand runs `hearth template` on llama.cpp golden cases and compares stdout
// byte for byte: a system merge (gemma-2), strftime_now through --now (Granite), date_string
// through --context (Llama 3.1) and a reasoning template (DeepSeek-R1).
func TestTemplateCommand(t *testing.T) {
	goldenPath := shared.Path(t, "templates", "golden.json")
	bin := buildHearth(t)
	var g struct {
		Cases []struct {
			Template            string          `json:"template"`
			Conversation        string          `json:"conversation"`
			Messages            json.RawMessage `json:"messages"`
			AddGenerationPrompt bool            `json:"add_generation_prompt"`
			BOS                 string          `json:"bos_token"`
			EOS                 string          `json:"eos_token"`
			Extra               json.RawMessage `json:"extra_context"`
			Rendered            string          `json:"rendered"`
		} `json:"cases"`
	}
	data, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"google-gemma-2-2b-it.jinja/C":                     true,
		"ibm-granite-granite-3.3-2B-Instruct.jinja/B":      true,
		"meta-llama-Llama-3.1-8B-Instruct.jinja/A":         true,
		"deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja/D": true,
		"Qwen-Qwen3-0.6B.jinja/C":                          true,
	}
	ran := 0
	for _, c := range g.Cases {
		if !want[c.Template+"/"+c.Conversation] {
			continue
		}
		ran++
		msgs := filepath.Join(t.TempDir(), "messages.json")
		if err := os.WriteFile(msgs, c.Messages, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"template", "--template", filepath.Join(filepath.Dir(goldenPath), c.Template),
			"--messages", msgs, "--bos", c.BOS, "--eos", c.EOS, "--context", string(c.Extra), "--now", "2024-07-26T12:00:00Z"}
		if c.AddGenerationPrompt {
			args = append(args, "--add-generation-prompt")
		}
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Errorf("%s/%s: %v\n%s", c.Template, c.Conversation, err, stderr.String())
			continue
		}
		if stdout.String() != c.Rendered {
			t.Errorf("%s/%s:\n got %q\nwant %q", c.Template, c.Conversation, stdout.String(), c.Rendered)
		}
	}
	if ran != len(want) {
		t.Errorf("ran %d of %d chosen cases", ran, len(want))
	}
}

func TestTemplateCommandErrors(t *testing.T) {
	bin := buildHearth(t)
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "t.jinja")
	msgs := filepath.Join(dir, "m.json")
	bad := filepath.Join(dir, "bad.jinja")
	for path, text := range map[string]string{
		tmpl: "{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}",
		msgs: `[{"role": "user", "content": "hi"}]`,
		bad:  "{% if x %}unclosed",
	} {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// Works, and --messages - reads stdin.
	cmd := exec.Command(bin, "template", "--template", tmpl, "--messages", "-")
	cmd.Stdin = strings.NewReader(`[{"role": "user", "content": "from stdin"}]`)
	if out, err := cmd.Output(); err != nil || string(out) != "user:from stdin;" {
		t.Errorf("stdin: %q, %v", out, err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--messages", msgs}, "--template and --messages are required"},
		{[]string{"--template", tmpl, "--messages", filepath.Join(dir, "none.json")}, "none.json"},
		{[]string{"--template", tmpl, "--messages", tmpl}, "t.jinja"},
		{[]string{"--template", tmpl, "--messages", msgs, "--context", "[1]"}, "--context"},
		{[]string{"--template", tmpl, "--messages", msgs, "--now", "yesterday"}, "--now"},
		{[]string{"--template", bad, "--messages", msgs}, "bad.jinja"},
	} {
		var stderr bytes.Buffer
		cmd := exec.Command(bin, append([]string{"template"}, c.args...)...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		if err == nil || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%q: err %v, stderr %q; want a failure mentioning %q", c.args, err, stderr.String(), c.want)
		}
	}
}
