package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"hearth/engine/gguf"
	"hearth/engine/sample"
	"hearth/internal/shared"
)

var grammarFull = flag.Bool("grammar.full", false, "TestSchemaSamples: 100 samples per schema on every shared model (default: 2 on the synthetic model and 1 on one file per architecture)")

// testSchemas are the 20 schemas of testdata/schemas.json with their validators.
func testSchemas(t *testing.T) ([]json.RawMessage, []*jsonschema.Schema) {
	t.Helper()
	raw, err := os.ReadFile("testdata/schemas.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatal(err)
	}
	var vs []*jsonschema.Schema
	for i, s := range list {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		url := fmt.Sprintf("mem://schema%d.json", i)
		if err := c.AddResource(url, doc); err != nil {
			t.Fatal(err)
		}
		v, err := c.Compile(url)
		if err != nil {
			t.Fatalf("schema %d: %v", i, err)
		}
		vs = append(vs, v)
	}
	return list, vs
}

// sampleSchemas draws n outputs per schema at temperature 1 (no truncation) and checks that
// each one ends because the grammar is complete, parses, and validates.
func sampleSchemas(t *testing.T, s *Session, prompt []int32, n int) {
	t.Helper()
	schemas, validators := testSchemas(t)
	tokens := 0
	start := time.Now()
	for i, schema := range schemas {
		for k := 0; k < n; k++ {
			so := sample.Options{Temperature: 1, TopP: 1, RepeatPenalty: 1, Seed: uint64(1000*i + k)}
			out, st, err := s.CompleteWith(context.Background(), prompt, CompleteOptions{
				Sample: so, MaxTokens: s.ContextSize() - len(prompt) - 1, StopAtEOG: true, JSONSchema: schema,
			}, nil)
			if err != nil {
				t.Fatalf("schema %d sample %d: %v", i, k, err)
			}
			tokens += len(out)
			if st.StopReason != StopGrammar && st.StopReason != StopEOG {
				t.Fatalf("schema %d sample %d: stopped by %q after %d tokens: %q", i, k, st.StopReason, len(out), st.Text)
			}
			v, err := jsonschema.UnmarshalJSON(strings.NewReader(st.Text))
			if err != nil {
				t.Fatalf("schema %d sample %d: %q does not parse: %v", i, k, st.Text, err)
			}
			if err := validators[i].Validate(v); err != nil {
				t.Fatalf("schema %d sample %d: %q does not validate: %v", i, k, st.Text, err)
			}
		}
	}
	t.Logf("%d outputs, %d tokens, %.1fs", len(schemas)*n, tokens, time.Since(start).Seconds())
}

// The self-contained variant: engine/synth's random-weight model (byte-level BPE).
func TestSchemaSamplesSynth(t *testing.T) {
	sh := prefillShape()
	s := shapeSession(t, sh)
	n := 2
	if *grammarFull {
		n = 100
	}
	sampleSchemas(t, s, randomPrompt(8, sh.NVocab), n)
}

// Every shared model (SentencePiece and byte-level vocabularies, all architectures).
func TestSchemaSamplesShared(t *testing.T) {
	dir := shared.Dir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "models", "*.gguf"))
	quick := map[string]bool{"stories260K.gguf": true, "synth-llama-Q4_K_M.gguf": true, "synth-qwen2-Q8_0.gguf": true,
		"synth-qwen3-Q4_K_M.gguf": true, "synth-gemma3-Q8_0.gguf": true, "synth-llama3-Q8_0.gguf": true}
	n := 1
	if *grammarFull {
		n = 100
	}
	if runtime.GOOS == "js" && !*grammarFull { // under Node, ~3x slower: one vocabulary of each kind
		quick = map[string]bool{"stories260K.gguf": true, "synth-qwen3-Q4_K_M.gguf": true}
	}
	for _, path := range files {
		name := filepath.Base(path)
		if !*grammarFull && !quick[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := gguf.Open(gguf.Bytes(raw), int64(len(raw)))
			if err != nil {
				t.Fatal(err)
			}
			s, err := Load(f, LoadOptions{ContextSize: 1024})
			if err != nil {
				t.Fatal(err)
			}
			sampleSchemas(t, s, s.Tokenizer.Encode("JSON:", true, false), n)
		})
	}
}

// A grammar or schema the engine cannot use is refused before any work, with the place or
// the keyword; the session stays usable.
func TestConstraintErrors(t *testing.T) {
	s := shapeSession(t, prefillShape())
	msgs := []Message{{Role: "user", Content: "hi"}}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Grammar: "root ::= \"a\" x"}, `1:14: undefined rule "x"`},
		{Options{Grammar: "root ::= root \"a\""}, "left recursion"},
		{Options{JSONSchema: []byte(`{"type":"string","format":"email"}`)}, `"format"`},
		{Options{JSONSchema: []byte(`{"not":{}}`)}, `"not"`},
		{Options{Grammar: `root ::= "a"`, JSONSchema: []byte(`{}`)}, "not both"},
	} {
		c.o.Sample = sample.DefaultOptions()
		_, err := s.Generate(context.Background(), msgs, c.o, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.o, err, c.want)
		}
	}
	st, err := s.Generate(context.Background(), msgs, Options{Sample: sample.DefaultOptions(), MaxTokens: 8, Grammar: `root ::= "yes" | "no"`}, nil)
	if err != nil || (st.Text != "yes" && st.Text != "no") || st.StopReason != StopGrammar {
		t.Fatalf("%v %+v", err, st)
	}
}
