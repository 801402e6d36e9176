package main

import (
	"flag"
	"fmt"

	"hearth/engine/ggmlx86"
	"hearth/engine/model"
)

// numericsFlag adds --numerics to fs: how the forward pass rounds (model.Numerics).
func numericsFlag(fs *flag.FlagSet) *string {
	return fs.String("numerics", "default", "how the forward pass rounds: default (what Hearth ships, also in the browser), exact (float math on dequantized weights, the reference), ggml (llama.cpp's x86 AVX-512 float order, bit for bit; F32 KV cache)")
}

// parseNumerics returns the numerics called name: model's default and exact, and the x86
// emulation (engine/ggmlx86), which only the native CLI links.
func parseNumerics(name string) (model.Numerics, error) {
	if name == "ggml" {
		return ggmlx86.Numerics{}, nil
	}
	n, err := model.ParseNumerics(name)
	if err != nil {
		return nil, fmt.Errorf("--numerics %q: want default, exact or ggml", name)
	}
	return n, nil
}
