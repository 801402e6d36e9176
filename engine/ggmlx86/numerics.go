package ggmlx86

import (
	"math"

	"hearth/engine/ops"
)

// Numerics reproduces llama.cpp's float order (ggml-cpu on x86 AVX-512 built with GCC:
// RMSNorm, exp, SiLU, softmax, rope with glibc's sinf/cosf, attention, and the matmul kernel
// llama.cpp picks for each weight type and batch size) bit for bit where it is known, so
// greedy decoding follows llama.cpp's even where activation quantization amplifies last-bit
// differences. It implements model.Numerics (set State.Numerics = ggmlx86.Numerics{}); slower
// than the default, for the conformance tests and `hearth generate --numerics ggml`. It
// caches keys and values in F32, as the goldens were made (llama.cpp's own default is F16).
type Numerics struct{}

func (Numerics) Name() string { return "ggml" }
func (Numerics) KVF32() bool  { return true }

// Mul converts the activations for every product separately, as llama.cpp's graph does.
func (Numerics) Mul(x []float32, n int, acts *ops.Acts, ps ...ops.Product) {
	for _, p := range ps {
		a, err := ops.QuantizeActs(p.M.ActType(), x[:n*p.M.Cols], n, p.M.Cols, acts)
		if err != nil {
			panic(err) // types were checked when the model was loaded
		}
		MulActs(p.M, a, p.Y[:n*p.M.Rows])
	}
}

func (Numerics) RMSNorm(out, x, w []float32, eps float32) {
	n := len(w)
	for r := 0; r+n <= len(x); r += n {
		RMSNormGGML(out[r:r+n], x[r:r+n], w, eps)
	}
}

func (Numerics) RopeAngles(r *ops.RoPE, pos int, cos, sin []float32) { RoPEAngles(r, pos, cos, sin) }

func (Numerics) Rope(r *ops.RoPE, q []float32, nHead int, k []float32, nHeadKV, headDim int, cos, sin []float32) {
	RoPEApply(r, q, nHead, headDim, cos, sin)
	RoPEApply(r, k, nHeadKV, headDim, cos, sin)
}

func (Numerics) SwiGLU(out, gate, up []float32) { SiLUMulGGML(out, gate, up) }

// Attention is attention with llama.cpp's float order (F32 KV cache, no flash attention):
// raw K·Q dots by ggml_vec_dot_f32 or tinyBLAS as llama.cpp picks them, rows padded to its
// n_kv with -inf, ggml's softmax with its exp, and the V product over the padded row.
func (Numerics) Attention(a *ops.Attention) {
	if a.K32 == nil {
		panic("ggmlx86: attention needs an F32 KV cache (KVF32)")
	}
	hd := a.HeadDim
	qDim, kvDim := a.NHead*hd, a.NHeadKV*hd
	group := a.NHead / a.NHeadKV
	nKV := NKVGGML(a.Pos0+a.B, a.NCtx)
	kqK, kqvK := AttnKernels(a.B, a.NHead, hd, nKV)
	negInf := float32(math.Inf(-1))
	ops.ParallelFor(a.B*a.NHead, 1, func(lo, hi int) {
		sc := make([]float32, nKV)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/a.NHead, bh%a.NHead
			kvOff := (h / group) * hd
			qh := a.Q[b*qDim+h*hd : b*qDim+(h+1)*hd]
			n := a.Pos0 + b + 1
			first := a.First(n - 1) // SWA: older cells are masked like unused ones
			for t := range sc {
				if t >= first && t < n {
					sc[t] = kqK.Dot(a.K32[t*kvDim+kvOff:t*kvDim+kvOff+hd], qh)
				} else {
					sc[t] = negInf
				}
			}
			SoftmaxGGML(sc, a.Scale)
			AttnValueGGML(a.Out[b*qDim+h*hd:b*qDim+(h+1)*hd], sc, a.V32[kvOff:], kvDim, kqvK)
		}
	})
}
