package model

import (
	"fmt"
	"math"

	"hearth/engine/gguf"
	"hearth/engine/ops"
)

// Gemma 3 (general.architecture "gemma3") is the llama forward pass with these differences,
// as llama.cpp's src/models/gemma3.cpp builds it (its graph, read top to bottom):
//
//	x = token_embd[t] · sqrt(n_embd)                          Config.EmbedScale
//	per layer:
//	  h = RMSNorm(x)·attn_norm;  q, k, v = h·Wq, h·Wk, h·Wv
//	  q, k: per-head RMSNorm (attn_q_norm, attn_k_norm), NeoX rope with the layer's base
//	  q ×= 1/sqrt(head_dim); softmax(q·k) unscaled              Config.QScale
//	  SWA layers attend to the last SlidingWindow positions     Config.SlidingWindow, SWAPattern
//	  x += RMSNorm(attn·Wo)·post_attention_norm                Config.PostNorms
//	  h = RMSNorm(x)·ffn_norm
//	  x += RMSNorm(ffn_down(gelu(h·Wgate) ⊙ h·Wup))·post_ffw_norm   Config.GELU, PostNorms
//	logits = RMSNorm(x)·output_norm · token_embdᵀ (tied unless output.weight), softcapped
//	only when the file has final_logit_softcapping              Config.LogitSoftcap
//
// Norm weights are used as stored: llama.cpp's converter already added HF's "1 +" to every
// *norm.weight tensor (q/k norms included) when it wrote the GGUF.

// readGemma3 reads the gemma3 hyperparameters (llama_model_gemma3::load_arch_hparams).
func readGemma3(c *Config, f *gguf.File) error {
	key := func(k string) string { return c.Arch + "." + k }
	c.EmbedScale = float32(math.Sqrt(float64(float32(c.NEmbd)))) // sqrtf(n_embd)
	c.PostNorms = true
	c.GELU = true
	c.RopeFreqs = false // the gemma3 graph passes no frequency factors to ggml_rope_ext

	// f_attention_scale: 1/sqrt(head_dim), except Gemma 3 27B (62 layers), which scales by
	// 1/sqrt(n_embd/n_head) (query_pre_attn_scalar in HF's config); in float, as llama.cpp.
	d := c.HeadDim
	if c.NLayer == 62 {
		d = c.NEmbd / c.NHead
	}
	c.QScale = 1 / float32(math.Sqrt(float64(float32(d))))

	// Sliding-window attention, when the file has a window: layers il with
	// il % period < period-1 are SWA (period 6 in every real Gemma 3: layers 5, 11, 17, … are
	// global), with their own rope base and no rope scaling.
	if w, ok := f.Uint(key("attention.sliding_window")); ok && w > 0 {
		if w > 1<<24 {
			return fmt.Errorf("metadata %s = %d is out of range", key("attention.sliding_window"), w)
		}
		c.SlidingWindow = int(w)
		c.SWAPattern = 6
		if v, present := f.Get(key("attention.sliding_window_pattern")); present {
			p, ok := f.Uint(key("attention.sliding_window_pattern"))
			if !ok || p > 1<<24 {
				return fmt.Errorf("metadata %s = %v: want one unsigned integer (per-layer arrays are not supported)", key("attention.sliding_window_pattern"), v)
			}
			c.SWAPattern = int(p)
		}
		c.RopeBaseSWA = 10000
		if v, ok := f.Float(key("rope.freq_base_swa")); ok {
			c.RopeBaseSWA = float32(v)
		}
	} else if _, present := f.Get(key("attention.sliding_window")); present && !ok {
		return fmt.Errorf("metadata %s is not an unsigned integer", key("attention.sliding_window"))
	}

	if v, ok := f.Float(key("final_logit_softcapping")); ok && v != 0 {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("metadata %s = %g is out of range", key("final_logit_softcapping"), v)
		}
		c.LogitSoftcap = float32(v)
	}
	return nil
}

// IsSWA says whether layer il uses sliding-window attention (llama_hparams::is_swa with
// set_swa_pattern(SWAPattern): il % SWAPattern < SWAPattern-1, every layer for 0).
func (c *Config) IsSWA(il int) bool {
	if c.SlidingWindow <= 0 {
		return false
	}
	return c.SWAPattern == 0 || il%c.SWAPattern < c.SWAPattern-1
}

// window is the first cache position the query at position pos sees in layer il: 0, or for
// an SWA layer pos-SlidingWindow+1 (LLAMA_SWA_TYPE_STANDARD masks key j iff pos-j ≥ window).
func (c *Config) window(il, pos int) int {
	if !c.IsSWA(il) {
		return 0
	}
	return max(0, pos-c.SlidingWindow+1)
}

// softcap caps the logits in place, logits = cap·tanh(logits/cap), as llama.cpp's graph
// does it in float: ggml_scale by 1.0f/cap, ggml_tanh, ggml_scale by cap.
func softcap(logits []float32, cap float32) {
	defer ops.GoCode()()
	inv := 1 / cap
	for i, v := range logits {
		logits[i] = float32(float32(math.Tanh(float64(float32(v*inv)))) * cap)
	}
}

// kqScale is the softmax scale of the K·Q products: llama's 1/sqrt(HeadDim) (def), or 1
// when the queries were scaled by QScale instead (gemma3's f_attention_scale).
func (c *Config) kqScale(def float32) float32 {
	if c.QScale != 0 {
		return 1
	}
	return def
}

// scale multiplies x in place by f (ggml_scale: one float multiply per element).
func scale(x []float32, f float32) {
	defer ops.GoCode()()
	for i := range x {
		x[i] *= f
	}
}

// postNorm applies a post-norm (gemma3's post_attention_norm, post_ffw_norm) in place to the
// n rows (NEmbd each) of x; nothing when w is nil.
func (s *State) postNorm(x []float32, n int, w []float32) {
	if w == nil {
		return
	}
	E := s.m.Config.NEmbd
	s.rmsNorm(x[:n*E], x[:n*E], w)
}
