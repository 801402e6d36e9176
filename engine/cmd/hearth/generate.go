package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"hearth/engine/grammar"
	"hearth/engine/jsonschema"
	"hearth/engine/model"
	"hearth/engine/sample"
	"hearth/engine/tokenizer"
)

func init() {
	register("generate", "complete a prompt: -m FILE (--tokens 1,2,3 | --prompt TEXT) [-n 32] [--temp 0] [--json] [--grammar FILE | --json-schema FILE]", runGenerate)
}

func parseTokens(s string) ([]int32, error) {
	var out []int32
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseInt(f, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bad token id %q", f)
		}
		out = append(out, int32(v))
	}
	return out, nil
}

// samplingFlags adds the sampler's options to a flag set.
func samplingFlags(fs *flag.FlagSet) *sample.Options {
	o := sample.DefaultOptions()
	fs.Var(float32Flag{&o.Temperature}, "temp", "temperature (0: greedy)")
	fs.IntVar(&o.TopK, "top-k", o.TopK, "top-k (0: off)")
	fs.Var(float32Flag{&o.TopP}, "top-p", "top-p (1: off)")
	fs.Var(float32Flag{&o.MinP}, "min-p", "min-p (0: off)")
	fs.Var(float32Flag{&o.RepeatPenalty}, "repeat-penalty", "repetition penalty (1: off)")
	fs.Var(float32Flag{&o.PresencePenalty}, "presence-penalty", "presence penalty")
	fs.Var(float32Flag{&o.FrequencyPenalty}, "frequency-penalty", "frequency penalty")
	fs.IntVar(&o.PenaltyWindow, "repeat-last-n", o.PenaltyWindow, "penalty window in tokens")
	fs.Uint64Var(&o.Seed, "seed", o.Seed, "random seed")
	return &o
}

type float32Flag struct{ p *float32 }

func (f float32Flag) String() string {
	if f.p == nil {
		return ""
	}
	return strconv.FormatFloat(float64(*f.p), 'g', -1, 32)
}
func (f float32Flag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 32)
	*f.p = float32(v)
	return err
}

func runGenerate(args []string) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	path := fs.String("m", "", "model file (GGUF)")
	tokens := fs.String("tokens", "", "prompt as comma-separated token ids")
	text := fs.String("prompt", "", "prompt text (BOS added when the model's metadata says so)")
	n := fs.Int("n", 32, "tokens to generate")
	stopEOG := fs.Bool("stop-eog", false, "stop at an end-of-generation token")
	asJSON := fs.Bool("json", false, "print one JSON object")
	kvFlag := fs.String("kv", "f16", "KV cache type: f16 (llama.cpp's default) or f32 (as the goldens were made)")
	numFlag := numericsFlag(fs)
	grammarFile := fs.String("grammar", "", "constrain the output to a GBNF grammar (llama.cpp's syntax) in FILE")
	schemaFile := fs.String("json-schema", "", "constrain the output to JSON valid against the JSON schema in FILE")
	so := samplingFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := so.Validate(); err != nil {
		return err
	}
	kv, err := model.ParseKVType(*kvFlag)
	if err != nil {
		return err
	}
	num, err := parseNumerics(*numFlag)
	if err != nil {
		return err
	}
	f, err := openGGUF(*path)
	if err != nil {
		return err
	}
	m, err := model.Load(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *path, err)
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		return err
	}
	var prompt []int32
	switch {
	case *tokens != "" && *text != "":
		return fmt.Errorf("pass --tokens or --prompt, not both")
	case *tokens != "":
		if prompt, err = parseTokens(*tokens); err != nil {
			return err
		}
	case *text != "":
		prompt = tok.Encode(*text, true, false)
	}
	if len(prompt) == 0 {
		return fmt.Errorf("empty prompt: pass --tokens or --prompt")
	}
	nCtx := len(prompt) + *n + 1
	if num.KVF32() {
		nCtx = max(nCtx, 256) // as the goldens: llama.cpp pads attention to 256 cells
	}
	s, err := m.NewStateKV(min(m.Config.NCtxTrain, nCtx), kv)
	if err != nil {
		return err
	}
	s.Numerics = num
	constraint, err := constraintFlags(*grammarFile, *schemaFile, tok)
	if err != nil {
		return err
	}
	logits, err := s.Forward(prompt, false)
	if err != nil {
		return err
	}
	smp := sample.New(*so)
	for _, t := range prompt {
		smp.Accept(t)
	}
	out := []int32{}
	var sb strings.Builder
	stream := tok.NewStream(false)
	for i := 0; i < *n; i++ {
		var t int32
		if constraint != nil {
			t = smp.SampleConstrained(logits, constraint)
		} else {
			t = smp.Sample(logits)
		}
		smp.Accept(t)
		out = append(out, t)
		piece := stream.Push(t)
		sb.WriteString(piece)
		if !*asJSON {
			fmt.Print(piece)
		}
		if (*stopEOG && tok.IsEOG(t)) || i == *n-1 {
			break
		}
		if constraint != nil { // the grammar ends the output: at its end token or when complete
			if err := constraint.Accept(t); err != nil {
				return err
			}
			if tok.IsEOG(t) || constraint.Done() {
				break
			}
		}
		if logits, err = s.Forward([]int32{t}, false); err != nil {
			return err
		}
	}
	rest := stream.Flush()
	sb.WriteString(rest)
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"prompt_tokens": prompt, "tokens": out, "text": sb.String()})
	}
	fmt.Println(rest)
	return nil
}

// constraintFlags compiles --grammar or --json-schema (nil when neither is given).
func constraintFlags(grammarFile, schemaFile string, tok *tokenizer.Tokenizer) (*grammar.Matcher, error) {
	var g *grammar.Grammar
	switch {
	case grammarFile != "" && schemaFile != "":
		return nil, fmt.Errorf("pass --grammar or --json-schema, not both")
	case grammarFile != "":
		src, err := os.ReadFile(grammarFile)
		if err != nil {
			return nil, err
		}
		if g, err = grammar.Parse(string(src)); err != nil {
			return nil, fmt.Errorf("%s: %w", grammarFile, err)
		}
	case schemaFile != "":
		src, err := os.ReadFile(schemaFile)
		if err != nil {
			return nil, err
		}
		if g, err = jsonschema.Compile(src); err != nil {
			return nil, fmt.Errorf("%s: %w", schemaFile, err)
		}
	default:
		return nil, nil
	}
	return grammar.Bind(g, grammar.FromTokenizer(tok)).NewMatcher(), nil
}
