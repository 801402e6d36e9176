package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"hearth/internal/shared"
)

// TestTokenizeCommand builds the command and checks `hearth tokenize` against llama.cpp's
// prompt tokens in the golden files (BOS as the model says), plus --parse-special and
// the error paths.
func TestTokenizeCommand(t *testing.T) {
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses on " + runtime.GOOS)
	}
	bin := filepath.Join(t.TempDir(), "hearth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (string, string, error) {
		cmd := exec.Command(bin, append([]string{"tokenize"}, args...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	tokens := func(t *testing.T, out string) []int32 {
		t.Helper()
		var r struct {
			Tokens []int32 `json:"tokens"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil || r.Tokens == nil {
			t.Fatalf("output %q: %v", out, err)
		}
		return r.Tokens
	}

	t.Run("errors", func(t *testing.T) {
		for _, args := range [][]string{{}, {"-m", filepath.Join(t.TempDir(), "missing.gguf")}, {"-x"}} {
			if out, stderr, err := run(args...); err == nil || out != "" || !strings.Contains(stderr, "hearth tokenize") {
				t.Errorf("tokenize %q: err %v, stdout %q, stderr %q", args, err, out, stderr)
			}
		}
		junk := filepath.Join(t.TempDir(), "junk.gguf")
		os.WriteFile(junk, []byte("not a gguf file"), 0o644)
		if _, _, err := run("-m", junk, "-p", "x"); err == nil {
			t.Error("junk file accepted")
		}
	})

	for _, name := range []string{"stories260K.gguf", "synth-llama-Q4_0.gguf", "synth-qwen2-Q8_0.gguf",
		"synth-qwen3-Q8_0.gguf", "synth-llama3-Q8_0.gguf"} {
		golden := shared.Path(t, "golden", name+".json")
		model := shared.Path(t, "models", name)
		raw, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Cases []struct {
				Prompt string  `json:"prompt"`
				Tokens []int32 `json:"prompt_tokens"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatal(err)
		}
		for _, c := range g.Cases {
			out, stderr, err := run("-m", model, "-p", c.Prompt)
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, stderr)
			}
			if got := tokens(t, out); !equalTokenIDs(got, c.Tokens) {
				t.Errorf("%s %q: %v, want %v", name, c.Prompt, got, c.Tokens)
			}
		}
	}

	// synth-qwen3: <|im_start|> is a control token (2044), matched only with --parse-special
	model := shared.Path(t, "models", "synth-qwen3-Q8_0.gguf")
	out, _, err := run("-m", model, "-p", "<|im_start|>user", "--parse-special")
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens(t, out); len(got) == 0 || got[0] != 2044 {
		t.Errorf("--parse-special: %v", got)
	}
	out, _, err = run("-m", model, "-p", "<|im_start|>user")
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens(t, out); len(got) < 2 || got[0] == 2044 {
		t.Errorf("without --parse-special: %v", got)
	}
	if out, _, err = run("-m", model, "-p", ""); err != nil || strings.TrimSpace(out) != `{"tokens":[]}` {
		t.Errorf("empty prompt: %q, %v", out, err)
	}
}

func equalTokenIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
