package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hearth/engine/synth"
)

// The CLI's structured output: reply with a forced tool call prints it in OpenAI's shape;
// generate --json-schema prints JSON that follows the schema; a bad grammar fails with its
// line:column.
func TestStructuredCLI(t *testing.T) {
	bin := buildHearthCLI(t)
	dir := t.TempDir()
	sh := synth.Shapes["tiny"]
	sh.NCtx = 4096
	w, err := synth.Build(synth.Options{Shape: sh, Type: "Q8_0", Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	file := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	model := file("tiny.gguf", buf.String())
	msgs := file("msgs.json", `[{"role": "user", "content": "Weather in Oslo?"}]`)
	tools := file("tools.json", `[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 10}}, "required": ["city"]}}}]`)
	out, err := run(t, bin, "", "reply", "-m", model, "--messages", msgs, "--tools", tools, "--tool-choice", "get_weather", "--temp", "1", "--seed", "5")
	if err != nil {
		t.Fatalf("reply: %v\n%s", err, out)
	}
	var r struct {
		Choices []struct {
			Message struct {
				Content   *string
				ToolCalls []struct {
					ID, Type string
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			}
			FinishReason string `json:"finish_reason"`
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	c := r.Choices[0]
	var args struct{ City *string }
	if c.FinishReason != "tool_calls" || len(c.Message.ToolCalls) != 1 || c.Message.ToolCalls[0].Function.Name != "get_weather" ||
		json.Unmarshal([]byte(c.Message.ToolCalls[0].Function.Arguments), &args) != nil || args.City == nil || len([]rune(*args.City)) > 10 {
		t.Fatalf("reply: %s", out)
	}

	schema := file("schema.json", `{"type": "object", "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 7}}, "required": ["n"]}`)
	out, err = run(t, bin, "", "generate", "-m", model, "--prompt", "x", "-n", "200", "--temp", "1", "--json-schema", schema, "--json")
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, out)
	}
	var g struct{ Text string }
	var v struct{ N *int }
	if json.Unmarshal([]byte(out), &g) != nil || json.Unmarshal([]byte(g.Text), &v) != nil || v.N == nil || *v.N < 3 || *v.N > 7 {
		t.Fatalf("generate --json-schema: %s", out)
	}

	bad := file("bad.gbnf", "root ::= \"a\"\nitem ::= [a-\n")
	out, err = run(t, bin, "", "generate", "-m", model, "--prompt", "x", "--grammar", bad)
	if err == nil || !strings.Contains(out, "2:10: unterminated character class") {
		t.Fatalf("bad grammar: %v %s", err, out)
	}
}
