package main

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"

	"hearth/engine/model"
)

func init() {
	register("logits", "write the last position's logits for a prompt (raw little-endian float32)", runLogits)
}

// runLogits feeds --tokens through the model in one batch and writes the logits of the last
// position, NVocab raw little-endian float32 values (as llama.cpp's goldens' logits0 files),
// so the engine's numbers can be checked from outside.
func runLogits(args []string) error {
	fs := flag.NewFlagSet("logits", flag.ContinueOnError)
	path := fs.String("m", "", "model file (GGUF)")
	tokens := fs.String("tokens", "", "prompt as comma-separated token ids")
	out := fs.String("o", "", "output file (raw little-endian float32, n_vocab values)")
	kvFlag := fs.String("kv", "f16", "KV cache type: f16 (llama.cpp's default) or f32 (as the goldens were made; ggml and exact always use f32)")
	numFlag := numericsFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-o FILE is required")
	}
	num, err := parseNumerics(*numFlag)
	if err != nil {
		return err
	}
	kv, err := model.ParseKVType(*kvFlag)
	if err != nil {
		return err
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
	nCtx := len(prompt)
	if num.KVF32() {
		nCtx = max(nCtx, 256) // as the goldens: llama.cpp pads attention to 256 cells
	}
	s, err := m.NewStateKV(min(m.Config.NCtxTrain, nCtx), kv)
	if err != nil {
		return err
	}
	s.Numerics = num
	logits, err := s.Forward(prompt, false)
	if err != nil {
		return err
	}
	b := make([]byte, 4*len(logits))
	for i, v := range logits {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return os.WriteFile(*out, b, 0o644)
}
