// Package synth writes random-weight GGUF models with the real shapes of the models Hearth
// targets (SmolLM2-135M, Qwen2.5-0.5B, Qwen3-0.6B, and a tiny one for tests), so benchmarks
// and tests have realistic files without downloading any. Norm weights are 1, matrices are
// ~N(0, 0.1) and embeddings ~N(0, 0.05), as in shared/models, so logits are not degenerate.
// The vocabulary is a real byte-level BPE built by random merges, with ChatML special tokens
// and template, so every file also tokenizes and chats.
package synth

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"hearth/engine/gguf"
	"hearth/engine/quant"
)

// Shape is the hyperparameters of a model family member.
type Shape struct {
	Name                        string
	Arch                        string // llama, qwen2, qwen3
	NEmbd, NLayer, NFF          int
	NHead, NHeadKV, HeadDim     int
	NVocab, NCtx                int
	RopeBase                    float32
	NormEps                     float32
	Tied, QKVBias, QKNorm, NoRD bool // NoRD: no rope.dimension_count key (qwen3)
	Pre                         string
}

// Shapes are the supported --shape values.
var Shapes = map[string]Shape{
	"tiny": {Name: "tiny", Arch: "llama", NEmbd: 64, NLayer: 2, NFF: 128, NHead: 4, NHeadKV: 2, HeadDim: 16,
		NVocab: 384, NCtx: 256, RopeBase: 10000, NormEps: 1e-5, Pre: "smollm"},
	"smollm2-135m": {Name: "smollm2-135m", Arch: "llama", NEmbd: 576, NLayer: 30, NFF: 1536, NHead: 9, NHeadKV: 3, HeadDim: 64,
		NVocab: 49152, NCtx: 8192, RopeBase: 100000, NormEps: 1e-5, Tied: true, Pre: "smollm"},
	"qwen2.5-0.5b": {Name: "qwen2.5-0.5b", Arch: "qwen2", NEmbd: 896, NLayer: 24, NFF: 4864, NHead: 14, NHeadKV: 2, HeadDim: 64,
		NVocab: 151936, NCtx: 32768, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKVBias: true, Pre: "qwen2"},
	"qwen3-0.6b": {Name: "qwen3-0.6b", Arch: "qwen3", NEmbd: 1024, NLayer: 28, NFF: 3072, NHead: 16, NHeadKV: 8, HeadDim: 128,
		NVocab: 151936, NCtx: 40960, RopeBase: 1e6, NormEps: 1e-6, Tied: true, QKNorm: true, NoRD: true, Pre: "qwen2"},
}

// ShapeNames lists Shapes' keys.
func ShapeNames() []string {
	var n []string
	for k := range Shapes {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// FileTypes are the supported --type values and their llama.cpp general.file_type numbers.
var FileTypes = map[string]uint32{"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 7, "Q4_K_M": 15}

// Options choose what to write.
type Options struct {
	Shape Shape
	Type  string // a key of FileTypes
	Seed  uint64
}

const chatML = `{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}`

// Build returns the GGUF writer holding the whole model.
func Build(o Options) (*gguf.Writer, error) {
	s := o.Shape
	ft, ok := FileTypes[o.Type]
	if !ok {
		return nil, fmt.Errorf("unknown type %q (supported: F32, F16, Q8_0, Q4_0, Q4_K_M)", o.Type)
	}
	if s.Arch == "" {
		return nil, fmt.Errorf("no shape given (supported: %s)", strings.Join(ShapeNames(), ", "))
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	w := gguf.NewWriter()
	a := s.Arch + "."
	w.Set("general.architecture", s.Arch)
	w.Set("general.name", fmt.Sprintf("synth-%s-%s", s.Name, o.Type))
	w.Set("general.file_type", ft)
	w.Set(a+"context_length", uint32(s.NCtx))
	w.Set(a+"embedding_length", uint32(s.NEmbd))
	w.Set(a+"block_count", uint32(s.NLayer))
	w.Set(a+"feed_forward_length", uint32(s.NFF))
	w.Set(a+"attention.head_count", uint32(s.NHead))
	w.Set(a+"attention.head_count_kv", uint32(s.NHeadKV))
	if s.HeadDim*s.NHead != s.NEmbd {
		w.Set(a+"attention.key_length", uint32(s.HeadDim))
		w.Set(a+"attention.value_length", uint32(s.HeadDim))
	}
	if !s.NoRD {
		w.Set(a+"rope.dimension_count", uint32(s.HeadDim))
	}
	w.Set(a+"rope.freq_base", s.RopeBase)
	w.Set(a+"attention.layer_norm_rms_epsilon", s.NormEps)
	w.Set(a+"vocab_size", uint32(s.NVocab))
	tokens, types, merges := bpeVocab(s.NVocab, rng)
	w.Set("tokenizer.ggml.model", "gpt2")
	w.Set("tokenizer.ggml.pre", s.Pre)
	w.Set("tokenizer.ggml.tokens", tokens)
	w.Set("tokenizer.ggml.token_type", types)
	w.Set("tokenizer.ggml.merges", merges)
	w.Set("tokenizer.ggml.bos_token_id", uint32(s.NVocab-3))
	w.Set("tokenizer.ggml.eos_token_id", uint32(s.NVocab-1))
	w.Set("tokenizer.ggml.padding_token_id", uint32(s.NVocab-3))
	w.Set("tokenizer.ggml.add_bos_token", false)
	w.Set("tokenizer.chat_template", chatML)

	qDim, kvDim := s.NHead*s.HeadDim, s.NHeadKV*s.HeadDim
	add := func(name string, t quant.Type, rows, cols int, std float64) error {
		data, err := randomTensor(rng, t, rows, cols, std)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		dims := []int64{int64(cols), int64(rows)}
		if rows == 1 {
			dims = dims[:1]
		}
		return w.AddTensor(name, t, dims, data)
	}
	pick := func(name string, layer, cols int) quant.Type {
		return tensorType(o.Type, name, layer, s.NLayer, cols, s.Tied)
	}
	var err error
	try := func(e error) {
		if err == nil {
			err = e
		}
	}
	try(add("token_embd.weight", pick("token_embd", -1, s.NEmbd), s.NVocab, s.NEmbd, 0.05))
	for i := 0; i < s.NLayer; i++ {
		p := fmt.Sprintf("blk.%d.", i)
		try(add(p+"attn_norm.weight", quant.F32, 1, s.NEmbd, 0))
		try(add(p+"attn_q.weight", pick("attn_q", i, s.NEmbd), qDim, s.NEmbd, 0.1))
		try(add(p+"attn_k.weight", pick("attn_k", i, s.NEmbd), kvDim, s.NEmbd, 0.1))
		try(add(p+"attn_v.weight", pick("attn_v", i, s.NEmbd), kvDim, s.NEmbd, 0.1))
		if s.QKVBias {
			try(add(p+"attn_q.bias", quant.F32, 1, qDim, 0.1))
			try(add(p+"attn_k.bias", quant.F32, 1, kvDim, 0.1))
			try(add(p+"attn_v.bias", quant.F32, 1, kvDim, 0.1))
		}
		if s.QKNorm {
			try(add(p+"attn_q_norm.weight", quant.F32, 1, s.HeadDim, 0))
			try(add(p+"attn_k_norm.weight", quant.F32, 1, s.HeadDim, 0))
		}
		try(add(p+"attn_output.weight", pick("attn_output", i, qDim), s.NEmbd, qDim, 0.1))
		try(add(p+"ffn_norm.weight", quant.F32, 1, s.NEmbd, 0))
		try(add(p+"ffn_gate.weight", pick("ffn_gate", i, s.NEmbd), s.NFF, s.NEmbd, 0.1))
		try(add(p+"ffn_up.weight", pick("ffn_up", i, s.NEmbd), s.NFF, s.NEmbd, 0.1))
		try(add(p+"ffn_down.weight", pick("ffn_down", i, s.NFF), s.NEmbd, s.NFF, 0.1))
	}
	try(add("output_norm.weight", quant.F32, 1, s.NEmbd, 0))
	if !s.Tied {
		try(add("output.weight", pick("output", -1, s.NEmbd), s.NVocab, s.NEmbd, 0.05))
	}
	return w, err
}

// tensorType mirrors llama-quantize's default mix for the file type, including its
// fallbacks for rows that are not a multiple of 256 (Q4_K→Q5_0, Q6_K→Q8_0).
func tensorType(ft, name string, layer, nLayer, cols int, tied bool) quant.Type {
	var t quant.Type
	switch ft {
	case "F32":
		return quant.F32
	case "F16":
		return quant.F16
	case "Q8_0":
		return quant.Q8_0
	case "Q4_0":
		t = quant.Q4_0
		if name == "output" || (tied && name == "token_embd") {
			t = quant.Q6_K
		}
	case "Q4_K_M":
		t = quant.Q4_K
		moreBits := layer < nLayer/8 || layer >= 7*nLayer/8 || (layer-nLayer/8)%3 == 2
		if name == "output" || (tied && name == "token_embd") || ((name == "attn_v" || name == "ffn_down") && moreBits) {
			t = quant.Q6_K
		}
	}
	if cols%quant.QK_K != 0 {
		switch t {
		case quant.Q4_K:
			t = quant.Q5_0
		case quant.Q6_K:
			t = quant.Q8_0
		}
	}
	return t
}

// randomTensor draws rows×cols values ~N(0, std) (or all ones when std is 0) and stores
// them as type t, one row at a time.
func randomTensor(rng *rand.Rand, t quant.Type, rows, cols int, std float64) ([]byte, error) {
	rb, err := quant.RowBytes(t, int64(cols))
	if err != nil {
		return nil, err
	}
	tr, _ := t.Traits()
	if tr.Quantize == nil {
		return nil, fmt.Errorf("no quantizer for %s", t)
	}
	out := make([]byte, int(rb)*rows)
	row := make([]float32, cols)
	for r := 0; r < rows; r++ {
		for i := range row {
			if std == 0 {
				row[i] = 1
			} else {
				row[i] = float32(rng.NormFloat64() * std)
			}
		}
		tr.Quantize(row, out[r*int(rb):(r+1)*int(rb)])
	}
	return out, nil
}

// bpeVocab builds a byte-level BPE vocabulary of n tokens: the 256 GPT-2 byte symbols,
// n-259 tokens made by merging random pairs of earlier tokens (each merge recorded), and
// three control tokens <|endoftext|>, <|im_start|>, <|im_end|>.
func bpeVocab(n int, rng *rand.Rand) (tokens []string, types []int32, merges []string) {
	seen := map[string]bool{}
	for _, r := range byteSymbols() {
		tokens = append(tokens, string(r))
		seen[string(r)] = true
	}
	// Bias merges toward letters and space-prefixed words so the vocab looks like text.
	letters := []int{}
	for i, r := range byteSymbols() {
		if (r >= 'a' && r <= 'z') || r == 'Ġ' || (r >= 'A' && r <= 'Z') {
			letters = append(letters, i)
		}
	}
	for len(tokens) < n-3 {
		var a, b int
		if rng.IntN(4) > 0 || len(tokens) == 256 {
			a = letters[rng.IntN(len(letters))]
		} else {
			a = 256 + rng.IntN(len(tokens)-256)
		}
		b = letters[rng.IntN(len(letters))]
		if len(tokens) > 256 && rng.IntN(2) == 0 {
			b = 256 + rng.IntN(len(tokens)-256)
		}
		s := tokens[a] + tokens[b]
		if seen[s] || len(s) > 24 || strings.Contains(s[1:], "Ġ") {
			continue
		}
		seen[s] = true
		tokens = append(tokens, s)
		merges = append(merges, tokens[a]+" "+tokens[b])
	}
	types = make([]int32, len(tokens))
	for i := range types {
		types[i] = 1
	}
	for _, sp := range []string{"<|endoftext|>", "<|im_start|>", "<|im_end|>"} {
		tokens = append(tokens, sp)
		types = append(types, 3)
	}
	return tokens, types, merges
}

// byteSymbols is GPT-2's printable stand-in for each byte value.
func byteSymbols() []rune {
	out := make([]rune, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		if (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff) {
			out[b] = rune(b)
		} else {
			out[b] = next
			next++
		}
	}
	return out
}
