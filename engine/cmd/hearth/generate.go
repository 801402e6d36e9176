package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func init() {
	register("generate", "generate from a prompt: -m FILE (--tokens 1,2,3 | --prompt TEXT) [-n 32] [--temp 0] [--json]", runGenerate)
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

func runGenerate(args []string) error {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	path := fs.String("m", "", "model file (GGUF)")
	tokens := fs.String("tokens", "", "prompt as comma-separated token ids")
	n := fs.Int("n", 32, "tokens to generate")
	temp := fs.Float64("temp", 0, "temperature (0: greedy)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *temp != 0 {
		return fmt.Errorf("only greedy decoding (--temp 0) is available without the sampler")
	}
	prompt, err := parseTokens(*tokens)
	if err != nil {
		return err
	}
	if len(prompt) == 0 {
		return fmt.Errorf("empty prompt: pass --tokens")
	}
	m, err := loadModel(*path)
	if err != nil {
		return err
	}
	s, err := m.NewState(0)
	if err != nil {
		return err
	}
	logits, err := s.Forward(prompt, false)
	if err != nil {
		return err
	}
	var out []int32
	for i := 0; i < *n; i++ {
		tok := int32(0)
		for j, v := range logits {
			if v > logits[tok] {
				tok = int32(j)
			}
		}
		out = append(out, tok)
		if i == *n-1 {
			break
		}
		if logits, err = s.Forward([]int32{tok}, false); err != nil {
			return err
		}
	}
	if *asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"prompt_tokens": prompt, "tokens": out, "text": ""})
	}
	fmt.Println(out)
	return nil
}
