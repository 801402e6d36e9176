package model

import (
	"fmt"

	"hearth/engine/gguf"
	"hearth/engine/ops"
)

// Model is a loaded, immutable model: config and weights. Several States (conversations)
// can share one Model.
type Model struct {
	Config  *Config
	Weights *Weights
	File    *gguf.File
	rope    *ops.RoPE // every layer's, or the global layers' when some are SWA
	ropeSWA *ops.RoPE // the sliding-window layers' (gemma3: own base, no scaling); nil if none
}

// Load reads the config and every weight of f. When f's reader is a gguf.Slicer (a file
// held in memory) the weights are used in place, without a copy.
func Load(f *gguf.File) (*Model, error) {
	c, err := ReadConfig(f)
	if err != nil {
		return nil, err
	}
	w, err := bindWeights(c, f, f.ReadTensor)
	if err != nil {
		return nil, err
	}
	if err := checkFinite(w); err != nil {
		return nil, err
	}
	m := &Model{
		Config:  c,
		Weights: w,
		File:    f,
		rope:    ops.NewRoPE(c.RopeStyle, c.RopeDims, c.RopeBase, w.RopeFreqs),
	}
	m.rope.FreqScale = c.RopeScale
	if c.SlidingWindow > 0 {
		m.ropeSWA = ops.NewRoPE(c.RopeStyle, c.RopeDims, c.RopeBaseSWA, nil)
	}
	return m, nil
}

// KVBytes is the memory a State with a context of nCtx tokens holds for its KV cache of
// type kv: keys and values, every layer, NHeadKV*HeadDim elements each per token.
func (c *Config) KVBytes(nCtx int, kv KVType) int64 {
	return int64(nCtx) * int64(c.NLayer) * int64(c.NHeadKV*c.HeadDim) * 2 * int64(kv.Bytes())
}

// WeightBytes is the size of all tensors.
func (m *Model) WeightBytes() int64 {
	var n int64
	for _, t := range m.File.Tensors {
		n += t.Size
	}
	return n
}

// ErrContextFull is returned by Forward when the tokens would not fit in the context.
type ErrContextFull struct{ Pos, Add, NCtx int }

func (e *ErrContextFull) Error() string {
	return fmt.Sprintf("context full: %d cached tokens + %d new > context size %d", e.Pos, e.Add, e.NCtx)
}
