// Package model loads a GGUF transformer and runs its forward pass. One forward pass serves
// the llama family (llama, qwen2, qwen3 architectures: SmolLM2, Llama 3.x, Qwen2.5,
// DeepSeek-R1-Distill-Qwen, Qwen3) and Gemma 3 (gemma3); the differences between them are
// configuration, as in gemma.cpp: QKV biases (qwen2), per-head Q/K RMSNorm (qwen3, gemma3),
// NeoX rope (qwen2/qwen3/gemma3), rope frequency factors (Llama 3.x), tied output, and for
// gemma3 scaled embeddings, post-norms, GELU and sliding-window layers (gemma3.go).
package model

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"hearth/engine/gguf"
	"hearth/engine/ops"
)

// Config holds the hyperparameters read from GGUF keys.
type Config struct {
	Arch        string  // general.architecture
	NEmbd       int     // model width: {arch}.embedding_length
	NLayer      int     // transformer blocks: {arch}.block_count
	NFF         int     // FFN hidden width: {arch}.feed_forward_length
	NHead       int     // query heads: {arch}.attention.head_count
	NHeadKV     int     // key/value heads (< NHead for grouped-query attention)
	HeadDim     int     // size of one query/key head: {arch}.attention.key_length, default NEmbd/NHead
	HeadDimV    int     // size of one value head: {arch}.attention.value_length
	NVocab      int     // rows of token_embd
	NCtxTrain   int     // {arch}.context_length: the context the model was trained for
	RopeDims    int     // rotated dimensions per head: {arch}.rope.dimension_count, default HeadDim
	RopeBase    float32 // {arch}.rope.freq_base, default 10000
	RopeStyle   ops.RoPEStyle
	NormEps     float32 // {arch}.attention.layer_norm_rms_epsilon
	QKNorm      bool    // per-head RMSNorm of Q and K before rope (qwen3)
	QKVBias     bool    // biases on the Q/K/V projections (qwen2)
	TiedOutput  bool    // no output.weight: the output projection reuses token_embd
	RopeFreqs   bool    // rope_freqs.weight divides the rope frequencies (Llama 3.x)
	RopeScale   float32 // linear rope scaling: angles × 1/{arch}.rope.scaling.factor (1: none)
	FileTypeStr string  // dominant tensor type, for display

	// gemma3 (see gemma3.go; zero values for the llama family)
	EmbedScale    float32 // token embeddings × EmbedScale before layer 0 (sqrt(NEmbd)); 0: none
	QScale        float32 // queries × QScale after rope, softmax scale 1 (1/sqrt(HeadDim)); 0: softmax scale 1/sqrt(HeadDim)
	PostNorms     bool    // RMSNorm of the attention and FFN outputs before each residual add (post_attention_norm, post_ffw_norm)
	GELU          bool    // FFN gate activation GELU (tanh approximation, ops.GeGLU) instead of SiLU
	SlidingWindow int     // {arch}.attention.sliding_window: an SWA layer's query sees itself and the SlidingWindow-1 tokens before it; 0: no SWA
	SWAPattern    int     // {arch}.attention.sliding_window_pattern (default 6): layer il is SWA iff il%SWAPattern < SWAPattern-1 (0: every layer)
	RopeBaseSWA   float32 // {arch}.rope.freq_base_swa (default 10000): rope base of the SWA layers, which are never rope-scaled
	LogitSoftcap  float32 // {arch}.final_logit_softcapping: logits = cap·tanh(logits/cap); 0: none
}

// architecture describes what differs between the supported architectures.
type architecture struct {
	rope   ops.RoPEStyle
	qkNorm bool
	gemma3 bool // readGemma3: embedding scale, post-norms, GELU, sliding window, softcapping
}

var architectures = map[string]architecture{
	"llama":  {rope: ops.RoPENormal},
	"qwen2":  {rope: ops.RoPENeoX},
	"qwen3":  {rope: ops.RoPENeoX, qkNorm: true},
	"gemma3": {rope: ops.RoPENeoX, qkNorm: true, gemma3: true},
}

// Architectures lists the supported general.architecture values.
func Architectures() []string {
	var a []string
	for k := range architectures {
		a = append(a, k)
	}
	sort.Strings(a)
	return a
}

// ReadConfig reads the hyperparameters of f and checks them: consistent with each other,
// within bounds (validate.go) and with the blocks the file holds, before anything is
// sized by them.
func ReadConfig(f *gguf.File) (*Config, error) {
	arch := f.Architecture()
	if arch == "" {
		return nil, fmt.Errorf("not a model file: general.architecture is missing")
	}
	a, ok := architectures[arch]
	if !ok {
		return nil, fmt.Errorf("unsupported architecture %q (supported: %s)", arch, strings.Join(Architectures(), ", "))
	}
	c := &Config{Arch: arch, RopeStyle: a.rope, QKNorm: a.qkNorm}
	key := func(k string) string { return arch + "." + k }
	need := func(k string) (int, error) {
		v, ok := f.Uint(key(k))
		if !ok {
			return 0, fmt.Errorf("missing or invalid metadata key %s", key(k))
		}
		if v == 0 || v > 1<<24 {
			return 0, fmt.Errorf("metadata %s = %d is out of range", key(k), v)
		}
		return int(v), nil
	}
	opt := func(k string, def int) (int, error) {
		if _, present := f.Get(key(k)); !present {
			return def, nil
		}
		return need(k)
	}
	var err error
	if c.NEmbd, err = need("embedding_length"); err != nil {
		return nil, err
	}
	if c.NLayer, err = need("block_count"); err != nil {
		return nil, err
	}
	if c.NFF, err = need("feed_forward_length"); err != nil {
		return nil, err
	}
	if c.NHead, err = need("attention.head_count"); err != nil {
		return nil, err
	}
	if c.NHeadKV, err = opt("attention.head_count_kv", c.NHead); err != nil {
		return nil, err
	}
	if c.NEmbd%c.NHead != 0 {
		if _, ok := f.Get(key("attention.key_length")); !ok {
			return nil, fmt.Errorf("embedding_length %d is not divisible by head_count %d", c.NEmbd, c.NHead)
		}
	}
	if c.HeadDim, err = opt("attention.key_length", c.NEmbd/c.NHead); err != nil {
		return nil, err
	}
	if c.HeadDimV, err = opt("attention.value_length", c.HeadDim); err != nil {
		return nil, err
	}
	if c.HeadDimV != c.HeadDim {
		return nil, fmt.Errorf("value head size %d differs from key head size %d: not supported", c.HeadDimV, c.HeadDim)
	}
	if c.NHead%c.NHeadKV != 0 {
		return nil, fmt.Errorf("head_count %d is not a multiple of head_count_kv %d", c.NHead, c.NHeadKV)
	}
	if c.NCtxTrain, err = opt("context_length", 2048); err != nil {
		return nil, err
	}
	if c.RopeDims, err = opt("rope.dimension_count", c.HeadDim); err != nil {
		return nil, err
	}
	if c.RopeDims > c.HeadDim || c.RopeDims%2 != 0 {
		return nil, fmt.Errorf("rope.dimension_count %d must be even and at most the head size %d", c.RopeDims, c.HeadDim)
	}
	c.RopeBase = 10000
	if v, ok := f.Float(key("rope.freq_base")); ok {
		c.RopeBase = float32(v)
	}
	c.NormEps = 1e-5
	if v, ok := f.Float(key("attention.layer_norm_rms_epsilon")); ok {
		c.NormEps = float32(v)
	}
	if st, ok := f.String(key("rope.scaling.type")); ok && st != "none" && st != "linear" && st != "llama3" {
		return nil, fmt.Errorf("rope scaling type %q is not supported (supported: none, linear, llama3 via rope_freqs)", st)
	}
	c.RopeScale = 1
	if v, ok := f.Float(key("rope.scaling.factor")); ok && v != 0 && v != 1 {
		if st, _ := f.String(key("rope.scaling.type")); st == "linear" {
			if !(v > 0) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("rope.scaling.factor %g is out of range", v)
			}
			c.RopeScale = float32(1 / v) // llama.cpp: freq_scale = 1.0f/factor, ext_factor 0
		}
	}
	emb, ok := f.Tensor("token_embd.weight")
	if !ok {
		return nil, fmt.Errorf("missing tensor token_embd.weight")
	}
	if len(emb.Dims) != 2 || emb.Dims[0] != int64(c.NEmbd) {
		return nil, fmt.Errorf("token_embd.weight has shape %v, want [%d n_vocab]", emb.Dims, c.NEmbd)
	}
	c.NVocab = int(emb.Dims[1])
	_, hasOutput := f.Tensor("output.weight")
	c.TiedOutput = !hasOutput
	_, c.QKVBias = f.Tensor("blk.0.attn_q.bias")
	_, c.RopeFreqs = f.Tensor("rope_freqs.weight")
	c.FileTypeStr = dominantType(f)
	if a.gemma3 {
		if err := readGemma3(c, f); err != nil {
			return nil, err
		}
	}
	if err := c.validate(f); err != nil {
		return nil, err
	}
	return c, nil
}

// dominantType names the tensor type holding the most bytes.
func dominantType(f *gguf.File) string {
	bytes := map[string]int64{}
	for _, t := range f.Tensors {
		bytes[t.Type.String()] += t.Size
	}
	best, n := "", int64(-1)
	for k, v := range bytes {
		if v > n || (v == n && k < best) {
			best, n = k, v
		}
	}
	return best
}

// Check says whether Hearth can run f: a supported architecture, consistent
// hyperparameters, and every tensor present, of a supported type and the right shape.
// It reads metadata only.
func Check(f *gguf.File) error {
	c, err := ReadConfig(f)
	if err != nil {
		return err
	}
	_, err = bindWeights(c, f, func(*gguf.TensorInfo) ([]byte, error) { return nil, nil })
	return err
}
