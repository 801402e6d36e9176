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

func buildHearthCLI(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no subprocesses on " + runtime.GOOS)
	}
	bin := filepath.Join(t.TempDir(), "hearth")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// synth writes a model, generate reads it back: greedy is deterministic and --json has
// prompt tokens, tokens and text.
func TestSynthGenerateBench(t *testing.T) {
	bin := buildHearthCLI(t)
	model := filepath.Join(t.TempDir(), "tiny.gguf")
	if out, err := exec.Command(bin, "synth", "--shape", "tiny", "--type", "Q4_K_M", "--seed", "3", "-o", model).CombinedOutput(); err != nil {
		t.Fatalf("synth: %v\n%s", err, out)
	}
	gen := func() map[string]any {
		out, err := exec.Command(bin, "generate", "-m", model, "--prompt", "hello world", "-n", "8", "--temp", "0", "--json").Output()
		if err != nil {
			t.Fatalf("generate: %v", err)
		}
		var r map[string]any
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		return r
	}
	a, b := gen(), gen()
	if len(a["tokens"].([]any)) != 8 || len(a["prompt_tokens"].([]any)) == 0 {
		t.Fatalf("generate output %v", a)
	}
	if a["text"] != b["text"] {
		t.Fatalf("greedy not deterministic: %q vs %q", a["text"], b["text"])
	}
	out, err := exec.Command(bin, "bench", "-m", model, "-p", "8", "-n", "4").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "decode:") {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "synth", "--shape", "nope", "-o", model).CombinedOutput(); err == nil || !strings.Contains(string(out), "unknown shape") {
		t.Fatalf("bad shape accepted: %s", out)
	}
}

// generate --tokens on stories260K reproduces llama.cpp's greedy continuation.
func TestGenerateGolden(t *testing.T) {
	path := shared.Path(t, "golden", "stories260K.gguf.json")
	bin := buildHearthCLI(t)
	raw, _ := os.ReadFile(path)
	var g struct {
		Cases []struct {
			PromptTokens    []int32 `json:"prompt_tokens"`
			GeneratedTokens []int32 `json:"generated_tokens"`
			GeneratedText   string  `json:"generated_text"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	c := g.Cases[0]
	var ids []string
	for _, id := range c.PromptTokens {
		ids = append(ids, itoa(id))
	}
	out, err := exec.Command(bin, "generate", "-m", shared.Path(t, "models", "stories260K.gguf"),
		"--tokens", strings.Join(ids, ","), "-n", "32", "--temp", "0", "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Tokens []int32 `json:"tokens"`
		Text   string  `json:"text"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if itoas(r.Tokens) != itoas(c.GeneratedTokens) || r.Text != c.GeneratedText {
		t.Fatalf("got %v %q\nwant %v %q", r.Tokens, r.Text, c.GeneratedTokens, c.GeneratedText)
	}
}

// The interactive chat streams a reply per line of input, reports stats, and reuses the
// KV cache on the second turn.
func TestChatCommand(t *testing.T) {
	model := shared.Path(t, "models", "synth-qwen2-Q8_0.gguf")
	bin := buildHearthCLI(t)
	cmd := exec.Command(bin, "chat", "-m", model, "-n", "6", "--temp", "0")
	cmd.Stdin = strings.NewReader("Hi!\nmore please\n")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chat: %v\n%s", err, stderr.String())
	}
	stats := strings.Count(stderr.String(), "generated, prefill")
	if stats != 2 || !strings.Contains(stderr.String(), "cached") {
		t.Fatalf("want two replies with stats, got stderr:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), " (0 cached), 6 generated") && strings.Count(stderr.String(), "(0 cached)") == 2 {
		t.Fatalf("second turn reused nothing:\n%s", stderr.String())
	}
	if strings.TrimSpace(stdout.String()) == "" {
		t.Fatal("no reply text")
	}
}

func itoa(v int32) string    { b, _ := json.Marshal(v); return string(b) }
func itoas(v []int32) string { b, _ := json.Marshal(v); return string(b) }
