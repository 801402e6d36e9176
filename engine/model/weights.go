package model

import (
	"encoding/binary"
	"fmt"
	"math"

	"hearth/engine/gguf"
	"hearth/engine/ops"
	"hearth/engine/quant"
)

// Layer holds one transformer block's weights, named as in GGUF (blk.N.*).
type Layer struct {
	AttnNorm       []float32   // attn_norm (NEmbd,)
	Wq, Wk, Wv, Wo *ops.Matrix // attn_q (NHead*HeadDim, NEmbd), attn_k/v (NHeadKV*HeadDim, NEmbd), attn_output (NEmbd, NHead*HeadDim)
	Bq, Bk, Bv     []float32   // qwen2 biases, nil otherwise
	QNorm, KNorm   []float32   // qwen3/gemma3 per-head norms (HeadDim,), nil otherwise
	PostAttnNorm   []float32   // gemma3 post_attention_norm (NEmbd,), nil otherwise
	FFNNorm        []float32   // ffn_norm (NEmbd,)
	Gate, Up, Down *ops.Matrix // ffn_gate/up (NFF, NEmbd), ffn_down (NEmbd, NFF)
	PostFFNNorm    []float32   // gemma3 post_ffw_norm (NEmbd,), nil otherwise
}

// Weights are all tensors of a model.
type Weights struct {
	TokenEmbd  *ops.Matrix // (NVocab, NEmbd)
	Layers     []Layer
	OutputNorm []float32   // (NEmbd,)
	Output     *ops.Matrix // (NVocab, NEmbd); TokenEmbd when tied
	RopeFreqs  []float32   // (RopeDims/2,) or nil
}

type tensorReader func(*gguf.TensorInfo) ([]byte, error)

// binder looks tensors up by name, checks their shape and type, and reads them (read
// returns nil data when only checking).
type binder struct {
	f    *gguf.File
	read tensorReader
	err  error
	used map[string]bool
}

func (b *binder) info(name string, dims ...int) *gguf.TensorInfo {
	if b.err != nil {
		return nil
	}
	t, ok := b.f.Tensor(name)
	if !ok {
		b.err = fmt.Errorf("missing tensor %s", name)
		return nil
	}
	b.used[name] = true
	if len(t.Dims) != len(dims) {
		b.err = fmt.Errorf("tensor %s has shape %v, want %v", name, t.Dims, dims)
		return nil
	}
	for i, d := range dims {
		if t.Dims[i] != int64(d) {
			b.err = fmt.Errorf("tensor %s has shape %v, want %v (from the model's metadata)", name, t.Dims, dims)
			return nil
		}
	}
	return t
}

// matrix binds a 2-D weight of rows × cols (GGUF dims [cols, rows]).
func (b *binder) matrix(name string, rows, cols int) *ops.Matrix {
	t := b.info(name, cols, rows)
	if t == nil {
		return nil
	}
	if tr, ok := t.Type.Traits(); !ok || tr.VecDot == nil {
		b.err = fmt.Errorf("tensor %s has type %s, which Hearth cannot compute with (supported: %s)", name, t.Type, quant.SupportedNames())
		return nil
	}
	data, err := b.read(t)
	if err != nil {
		b.err = fmt.Errorf("reading %s: %w", name, err)
		return nil
	}
	if data == nil { // checking only
		return &ops.Matrix{Name: name, Type: t.Type, Rows: rows, Cols: cols}
	}
	m, err := ops.NewMatrix(name, t.Type, rows, cols, data)
	if err != nil {
		b.err = err
		return m
	}
	m.UsePreferredLayout() // the kernels' own layout, in place, where the rows can take it
	return m
}

// vector binds a 1-D float tensor of n elements (norm weights, biases), converting to F32.
func (b *binder) vector(name string, n int) []float32 {
	t := b.info(name, n)
	if t == nil {
		return nil
	}
	tr, ok := t.Type.Traits()
	if !ok || tr.BlockSize != 1 || (t.Type != quant.F32 && tr.Dequantize == nil) {
		b.err = fmt.Errorf("tensor %s has type %s; vectors must be F32, F16 or BF16", name, t.Type)
		return nil
	}
	data, err := b.read(t)
	if err != nil {
		b.err = fmt.Errorf("reading %s: %w", name, err)
		return nil
	}
	out := make([]float32, n)
	if data == nil {
		return out
	}
	if t.Type == quant.F32 {
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		return out
	}
	tr.Dequantize(data, out)
	return out
}

func (b *binder) optional(name string) bool {
	_, ok := b.f.Tensor(name)
	return ok
}

// bindWeights finds, checks and reads every tensor the config calls for.
func bindWeights(c *Config, f *gguf.File, read tensorReader) (*Weights, error) {
	b := &binder{f: f, read: read, used: map[string]bool{}}
	w := &Weights{}
	qDim, kvDim := c.NHead*c.HeadDim, c.NHeadKV*c.HeadDim
	w.TokenEmbd = b.matrix("token_embd.weight", c.NVocab, c.NEmbd)
	for i := 0; i < c.NLayer; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		var l Layer
		l.AttnNorm = b.vector(p+"attn_norm.weight", c.NEmbd)
		l.Wq = b.matrix(p+"attn_q.weight", qDim, c.NEmbd)
		l.Wk = b.matrix(p+"attn_k.weight", kvDim, c.NEmbd)
		l.Wv = b.matrix(p+"attn_v.weight", kvDim, c.NEmbd)
		l.Wo = b.matrix(p+"attn_output.weight", c.NEmbd, qDim)
		if c.QKVBias {
			l.Bq = b.vector(p+"attn_q.bias", qDim)
			l.Bk = b.vector(p+"attn_k.bias", kvDim)
			l.Bv = b.vector(p+"attn_v.bias", kvDim)
		}
		if c.QKNorm {
			l.QNorm = b.vector(p+"attn_q_norm.weight", c.HeadDim)
			l.KNorm = b.vector(p+"attn_k_norm.weight", c.HeadDim)
		}
		if c.PostNorms {
			l.PostAttnNorm = b.vector(p+"post_attention_norm.weight", c.NEmbd)
			l.PostFFNNorm = b.vector(p+"post_ffw_norm.weight", c.NEmbd)
		}
		l.FFNNorm = b.vector(p+"ffn_norm.weight", c.NEmbd)
		l.Gate = b.matrix(p+"ffn_gate.weight", c.NFF, c.NEmbd)
		l.Up = b.matrix(p+"ffn_up.weight", c.NFF, c.NEmbd)
		l.Down = b.matrix(p+"ffn_down.weight", c.NEmbd, c.NFF)
		w.Layers = append(w.Layers, l)
	}
	w.OutputNorm = b.vector("output_norm.weight", c.NEmbd)
	if c.TiedOutput {
		w.Output = w.TokenEmbd
	} else {
		w.Output = b.matrix("output.weight", c.NVocab, c.NEmbd)
	}
	if c.RopeFreqs {
		w.RopeFreqs = b.vector("rope_freqs.weight", c.RopeDims/2)
	}
	if b.err != nil {
		return nil, b.err
	}
	for _, t := range f.Tensors {
		if !b.used[t.Name] && t.Name != "rope_freqs.weight" {
			// Extra tensors (e.g. rope_freqs copies, unused heads) are ignored, but an
			// unexpected per-layer tensor usually means an unsupported variant.
			if _, bad := unsupportedTensors[suffix(t.Name)]; bad {
				return nil, fmt.Errorf("tensor %s belongs to a model variant Hearth does not support", t.Name)
			}
		}
	}
	return w, nil
}

// unsupportedTensors are tensor names whose presence means the forward pass here would
// compute something else than the model expects.
var unsupportedTensors = map[string]bool{
	"ffn_gate_inp.weight":        true, // mixture of experts
	"ffn_gate_exps.weight":       true,
	"attn_qkv.weight":            true, // fused QKV (phi, etc.)
	"attn_norm.bias":             true, // LayerNorm rather than RMSNorm
	"attn_q.bias.lora":           true,
	"post_attention_norm.weight": true, // bound (so not flagged) only where Config.PostNorms
	"post_ffw_norm.weight":       true,
}

func suffix(name string) string {
	// blk.N.rest -> rest
	for i, dots := 0, 0; i < len(name); i++ {
		if name[i] == '.' {
			dots++
			if dots == 2 {
				return name[i+1:]
			}
		}
	}
	return name
}
