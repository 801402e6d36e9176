package model

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"hearth/engine/gguf"
)

// A model file comes from anywhere, and its metadata sizes what is allocated for it (the
// layers bound, the KV cache, the scratch). So every count and dimension is checked
// against bounds far above any released model and against the tensors the file holds
// before anything is sized by it: a block_count of 2^24 fails in microseconds with an
// error, instead of growing memory for minutes before the first missing tensor.
const (
	MaxEmbd    = 1 << 16 // embedding_length (largest released: 16384, Llama 3.1 405B)
	MaxLayers  = 1024    // block_count (largest released: 126)
	MaxFF      = 1 << 20 // feed_forward_length (largest released: 53248)
	MaxHeads   = 1024    // attention.head_count, head_count_kv (largest released: 128)
	MaxHeadDim = 1024    // attention.key_length (largest released: 256)
	MaxVocab   = 1 << 22 // token_embd rows (largest released: ~262k, Gemma 3)
	MaxContext = 1 << 24 // context_length, attention.sliding_window (largest released: 10M)
)

// DefaultContext is the context a session gets when none is asked for (at most the
// model's training context): what the KV cache and the memory estimate are sized for.
const DefaultContext = 4096

// ContextSize is the context a session over the model holds for a request of requested
// tokens: DefaultContext (or the training context, when shorter) for 0 or less, the
// training context when more is asked for. The memory estimate (engine.MemoryNeeded) and
// the allocation (NewState) both size by it, so they agree.
func (c *Config) ContextSize(requested int) int {
	switch {
	case requested <= 0:
		return min(c.NCtxTrain, DefaultContext)
	case requested > c.NCtxTrain:
		return c.NCtxTrain
	}
	return requested
}

// validate checks c, as ReadConfig read it from f, against the bounds above and against
// the tensors f holds.
func (c *Config) validate(f *gguf.File) error {
	for _, b := range []struct {
		name     string
		v, limit int
	}{
		{"embedding_length", c.NEmbd, MaxEmbd},
		{"block_count", c.NLayer, MaxLayers},
		{"feed_forward_length", c.NFF, MaxFF},
		{"attention.head_count", c.NHead, MaxHeads},
		{"attention.head_count_kv", c.NHeadKV, c.NHead},
		{"attention.key_length", c.HeadDim, MaxHeadDim},
		{"vocabulary size (token_embd rows)", c.NVocab, MaxVocab},
		{"context_length", c.NCtxTrain, MaxContext},
		{"attention.sliding_window", c.SlidingWindow, MaxContext},
	} {
		if b.v < 0 || b.v > b.limit {
			return fmt.Errorf("metadata %s.%s = %d is out of range (at most %d)", c.Arch, b.name, b.v, b.limit)
		}
	}
	if c.NVocab < 1 {
		return fmt.Errorf("token_embd.weight has no rows")
	}
	for _, p := range []struct {
		name string
		v    float32
		ok   func(float64) bool
		want string
	}{
		{"attention.layer_norm_rms_epsilon", c.NormEps, func(x float64) bool { return x > 0 && x < 1 }, "a number in (0, 1)"},
		{"rope.freq_base", c.RopeBase, func(x float64) bool { return x > 0 }, "a positive number"},
		{"rope.freq_base_swa", c.RopeBaseSWA, func(x float64) bool { return x >= 0 }, "a positive number"},
		{"1/rope.scaling.factor", c.RopeScale, func(x float64) bool { return x > 0 }, "a positive number"},
		{"final_logit_softcapping", c.LogitSoftcap, func(x float64) bool { return x >= 0 }, "a positive number"},
	} {
		x := float64(p.v)
		if math.IsNaN(x) || math.IsInf(x, 0) || !p.ok(x) {
			return fmt.Errorf("metadata %s.%s = %g: want %s", c.Arch, p.name, x, p.want)
		}
	}
	return c.checkBlocks(f)
}

// checkBlocks checks that f holds tensors for exactly NLayer blocks (blk.0 to
// blk.{NLayer-1}), so that binding the weights loops over what is there.
func (c *Config) checkBlocks(f *gguf.File) error {
	present := map[int]bool{}
	last := -1
	for _, t := range f.Tensors {
		rest, ok := strings.CutPrefix(t.Name, "blk.")
		if !ok {
			continue
		}
		num, _, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n < 0 || n >= MaxLayers {
			return fmt.Errorf("tensor %s: not a block of a model with at most %d blocks", t.Name, MaxLayers)
		}
		present[n] = true
		last = max(last, n)
	}
	if last+1 != c.NLayer || len(present) != c.NLayer {
		return fmt.Errorf("metadata %s.block_count = %d but the file holds tensors for %d blocks (blk.0 to blk.%d)",
			c.Arch, c.NLayer, len(present), last)
	}
	return nil
}

// checkFinite refuses weights that make every output NaN: a NaN or infinite norm weight,
// bias or rope frequency factor (vectors, read whole at load, so the check is cheap).
// A rope frequency factor must also be positive: the angles are divided by it.
func checkFinite(w *Weights) error {
	check := func(name string, v []float32, positive bool) error {
		for i, x := range v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) || positive && !(x > 0) {
				return fmt.Errorf("tensor %s[%d] = %g: the model file is damaged (want a finite number)", name, i, x)
			}
		}
		return nil
	}
	vectors := []struct {
		name string
		v    []float32
	}{{"output_norm.weight", w.OutputNorm}}
	for i, l := range w.Layers {
		p := fmt.Sprintf("blk.%d.", i)
		for _, v := range []struct {
			name string
			v    []float32
		}{
			{"attn_norm.weight", l.AttnNorm}, {"ffn_norm.weight", l.FFNNorm},
			{"attn_q_norm.weight", l.QNorm}, {"attn_k_norm.weight", l.KNorm},
			{"post_attention_norm.weight", l.PostAttnNorm}, {"post_ffw_norm.weight", l.PostFFNNorm},
			{"attn_q.bias", l.Bq}, {"attn_k.bias", l.Bk}, {"attn_v.bias", l.Bv},
		} {
			vectors = append(vectors, struct {
				name string
				v    []float32
			}{p + v.name, v.v})
		}
	}
	for _, v := range vectors {
		if err := check(v.name, v.v, false); err != nil {
			return err
		}
	}
	return check("rope_freqs.weight", w.RopeFreqs, true)
}
