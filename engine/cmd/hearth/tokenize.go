package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"hearth/engine/gguf"
	"hearth/engine/tokenizer"
)

func init() {
	register("tokenize", "print the token ids of a text: -m FILE.gguf -p TEXT [--parse-special]", runTokenize)
}

// runTokenize tokenizes like llama.cpp's llama_tokenize(add_special=true): BOS/EOS are
// added exactly when the model's metadata asks for them. Only the metadata is read.
func runTokenize(args []string) error {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	modelPath := fs.String("m", "", "model file (GGUF)")
	prompt := fs.String("p", "", "text to tokenize")
	parseSpecial := fs.Bool("parse-special", false, `read control-token text such as "<|im_start|>" as that token`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *modelPath == "" {
		return fmt.Errorf("no model file: pass -m FILE.gguf")
	}
	f, err := os.Open(*modelPath)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	g, err := gguf.Open(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", *modelPath, err)
	}
	tok, err := tokenizer.FromGGUF(g)
	if err != nil {
		return fmt.Errorf("%s: %w", *modelPath, err)
	}
	ids := tok.Encode(*prompt, true, *parseSpecial)
	if ids == nil {
		ids = []int32{}
	}
	out, err := json.Marshal(struct {
		Tokens []int32 `json:"tokens"`
	}{ids})
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(os.Stdout, "%s\n", out)
	return err
}
