package engine

import (
	"fmt"

	"hearth/engine/gguf"
	"hearth/engine/model"
)

// Memory is what a model needs in memory, by part.
type Memory struct {
	Weights int64 `json:"weights"` // all tensors, held once
	KVCache int64 `json:"kv_cache"`
	Scratch int64 `json:"scratch"` // activations of one prefill chunk and the logits
}

// Total is the sum of the parts.
func (m Memory) Total() int64 { return m.Weights + m.KVCache + m.Scratch }

// MemoryNeeded estimates the memory a session over f with a context of nCtx tokens and the
// default F16 KV cache needs, from metadata alone, so a model that cannot fit is refused
// before anything is read or downloaded. The context is the one the session allocates,
// model.Config.ContextSize(nCtx) (0: the default), and the metadata it is sized from has
// been checked against the tensors the file holds (model.ReadConfig).
func MemoryNeeded(f *gguf.File, nCtx int) (Memory, error) {
	return MemoryNeededKV(f, nCtx, model.KVF16)
}

// MemoryNeededKV is MemoryNeeded with a KV cache of type kv (2 bytes an element for F16,
// 4 for F32).
func MemoryNeededKV(f *gguf.File, nCtx int, kv model.KVType) (Memory, error) {
	c, err := model.ReadConfig(f)
	if err != nil {
		return Memory{}, err
	}
	nCtx = c.ContextSize(nCtx)
	var m Memory
	for _, t := range f.Tensors {
		m.Weights += t.Size
	}
	m.KVCache = c.KVBytes(nCtx, kv)
	qDim := int64(c.NHead * c.HeadDim)
	perToken := int64(4*c.NEmbd) + 3*qDim + 2*int64(c.NHeadKV*c.HeadDim) + 2*int64(c.NFF)
	m.Scratch = 4*(perToken*prefillChunk+int64(c.NVocab)) + int64(nCtx)*4*int64(c.NHead)
	return m, nil
}

// ErrTooBig says a model does not fit the memory limit.
type ErrTooBig struct {
	Need  Memory
	Limit int64
}

func (e *ErrTooBig) Error() string {
	return fmt.Sprintf("the model needs %.2f GiB (weights %.2f GiB, KV cache %.2f GiB) but only %.2f GiB is available; try a smaller model, a smaller quantization or a shorter context",
		gib(e.Need.Total()), gib(e.Need.Weights), gib(e.Need.KVCache), gib(e.Limit))
}

func gib(n int64) float64 { return float64(n) / (1 << 30) }
