package model

import (
	"fmt"

	"hearth/engine/ops"
)

// Numerics is how one forward pass rounds: its matrix products, RMSNorm, rope, SwiGLU and
// attention. The forward pass (Forward) is the same for every choice; a State picks one
// before its first token (State.Numerics):
//
//   - Default (nil): what Hearth ships, natively and in the browser — activations converted
//     to each weight type's vec_dot type as llama.cpp does, several products of one input
//     sharing the conversion and running as one threaded batch, Go's (or the browser's SIMD)
//     float order, an F16 or F32 KV cache as the State was made.
//   - Exact: the exact-math reference — float32 products on dequantized weights, no
//     activation rounding, an F32 cache. What "accurate" is measured against.
//   - ggmlx86.Numerics (package engine/ggmlx86, not linked into the browser build): llama.cpp's
//     float order on x86 AVX-512 bit for bit, an F32 cache, for the conformance tests and
//     `hearth generate --numerics ggml`.
//
// Methods take only ops and standard types, so an implementation need not import this package.
type Numerics interface {
	// Name is the CLI's spelling: "default", "exact", "ggml".
	Name() string
	// KVF32 reports whether the KV cache must hold float32.
	KVF32() bool
	// Mul computes every product of one input x (n, Cols): p.Y = x @ p.Mᵀ. acts is scratch
	// for converted activations.
	Mul(x []float32, n int, acts *ops.Acts, ps ...ops.Product)
	// RMSNorm: out = x / rms(x) * w for each row of x, x and out (rows, len(w)).
	RMSNorm(out, x, w []float32, eps float32)
	// RopeAngles fills cos and sin (r.NDims/2,) with r's angles at position pos. The State
	// computes them once per position for all the layers that share r.
	RopeAngles(r *ops.RoPE, pos int, cos, sin []float32)
	// Rope rotates one token's q (nHead·headDim,) and k (nHeadKV·headDim,) in place by the
	// angles cos and sin (r.NDims/2,) that RopeAngles gave for its position.
	Rope(r *ops.RoPE, q []float32, nHead int, k []float32, nHeadKV, headDim int, cos, sin []float32)
	// SwiGLU: out = silu(gate) * up, elementwise.
	SwiGLU(out, gate, up []float32)
	// Attention computes one layer's attention (ops.Attention).
	Attention(a *ops.Attention)
}

// Default is the shipped numerics (see Numerics); a nil State.Numerics means Default.
type Default struct{}

func (Default) Name() string { return "default" }
func (Default) KVF32() bool  { return false }

// Mul converts x once per activation type and runs the products of one conversion as one
// batch (ops.BatchBegin): a new conversion overwrites the activations, so it ends the batch
// before it.
func (Default) Mul(x []float32, n int, acts *ops.Acts, ps ...ops.Product) {
	// one batch (ops.Batch, spelled out: a closure here would be a heap object per call)
	batched := ops.Batching()
	if batched {
		ops.BatchBegin()
		defer ops.BatchEnd()
	}
	var done *ops.Acts
	for i, p := range ps {
		if i == 0 || p.M.ActType() != done.Type || p.M.Cols != done.Cols {
			if i > 0 && batched {
				ops.BatchEnd()
				ops.BatchBegin()
			}
			done = quantizeActs(p.M, x, n, acts)
		}
		p.M.MulActs(done, p.Y[:n*p.M.Rows])
	}
}

func (Default) RMSNorm(out, x, w []float32, eps float32) { ops.RMSNorm(out, x, w, eps) }

func (Default) RopeAngles(r *ops.RoPE, pos int, cos, sin []float32) { r.Angles(pos, cos, sin) }

func (Default) Rope(r *ops.RoPE, q []float32, nHead int, k []float32, nHeadKV, headDim int, cos, sin []float32) {
	r.Apply(q, nHead, headDim, cos, sin)
	r.Apply(k, nHeadKV, headDim, cos, sin)
}

// RopeTokens is Rope for a batch at once (tokensRope): ops.(*RoPE).ApplyTokens, one kernel
// call for q and one for k in the browser.
func (Default) RopeTokens(r *ops.RoPE, q []float32, nHead int, k []float32, nHeadKV, headDim, B int, cos, sin []float32) {
	r.ApplyTokens(q, B, nHead*headDim, nHead, headDim, cos, sin)
	r.ApplyTokens(k, B, nHeadKV*headDim, nHeadKV, headDim, cos, sin)
}

func (Default) SwiGLU(out, gate, up []float32) { ops.SwiGLU(out, gate, up) }
func (Default) Attention(a *ops.Attention)     { ops.Attend(a) }

// Exact is the exact-math reference (see Numerics): Default but for the products, float32
// on dequantized weights, and an F32 cache.
type Exact struct{ Default }

func (Exact) Name() string { return "exact" }
func (Exact) KVF32() bool  { return true }

func (Exact) Mul(x []float32, n int, _ *ops.Acts, ps ...ops.Product) {
	for _, p := range ps {
		p.M.MulFloat(x[:n*p.M.Cols], n, p.Y[:n*p.M.Rows])
	}
}

// quantizeActs converts x (n, m.Cols) to m's activation type into acts.
func quantizeActs(m *ops.Matrix, x []float32, n int, acts *ops.Acts) *ops.Acts {
	a, err := ops.QuantizeActs(m.ActType(), x[:n*m.Cols], n, m.Cols, acts)
	if err != nil {
		panic(err) // types were checked when the model was loaded
	}
	return a
}

// ParseNumerics returns the Numerics of this package called name: "default" or "exact".
// (The CLI adds "ggml", engine/ggmlx86.)
func ParseNumerics(name string) (Numerics, error) {
	switch name {
	case "default", "":
		return Default{}, nil
	case "exact":
		return Exact{}, nil
	}
	return nil, fmt.Errorf("numerics %q: want default or exact", name)
}
