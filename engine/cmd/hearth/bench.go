package main

import (
	"flag"
	"fmt"
	"time"

	"hearth/engine/model"
	"hearth/engine/ops"
)

func init() {
	register("bench", "native prefill and decode speed: -m FILE [-p 64] [-n 64] [--kv f16|f32]", runBench)
}

func runBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	path := fs.String("m", "", "model file (GGUF)")
	nPrompt := fs.Int("p", 64, "prompt tokens")
	nGen := fs.Int("n", 64, "decoded tokens")
	threads := fs.Int("t", ops.Threads, "threads")
	kvFlag := fs.String("kv", "f16", "KV cache type: f16 or f32")
	if err := fs.Parse(args); err != nil {
		return err
	}
	kv, err := model.ParseKVType(*kvFlag)
	if err != nil {
		return err
	}
	ops.Threads = *threads
	m, err := loadModel(*path)
	if err != nil {
		return err
	}
	s, err := m.NewStateKV(*nPrompt+*nGen+1, kv)
	if err != nil {
		return err
	}
	prompt := make([]int32, *nPrompt)
	for i := range prompt {
		prompt[i] = int32((i*7919 + 13) % m.Config.NVocab)
	}
	t0 := time.Now()
	logits, err := s.Forward(prompt, false)
	if err != nil {
		return err
	}
	prefill := time.Since(t0)
	t1 := time.Now()
	for i := 0; i < *nGen; i++ {
		tok := int32(0)
		for j, v := range logits {
			if v > logits[tok] {
				tok = int32(j)
			}
		}
		if logits, err = s.Forward([]int32{tok}, false); err != nil {
			return err
		}
	}
	decode := time.Since(t1)
	fmt.Printf("model %s (%s, %s, %.1f MB weights), threads %d, KV cache %s\n", *path, m.Config.Arch, m.Config.FileTypeStr, float64(m.WeightBytes())/1e6, ops.Threads, kv)
	fmt.Printf("prefill: %d tokens in %.3fs = %.1f tok/s\n", *nPrompt, prefill.Seconds(), float64(*nPrompt)/prefill.Seconds())
	fmt.Printf("decode:  %d tokens in %.3fs = %.1f tok/s\n", *nGen, decode.Seconds(), float64(*nGen)/decode.Seconds())
	return nil
}
