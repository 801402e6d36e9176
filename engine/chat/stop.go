package chat

import (
	"sort"
	"strings"
)

// endOfTurn lists the end-of-turn markers of the common chat formats.
var endOfTurn = []string{
	"<|im_end|>",            // ChatML: Qwen, SmolLM, Phi-4, Hermes
	"<|eot_id|>",            // Llama 3
	"<|eom_id|>",            // Llama 3.1 ipython turns
	"<|end|>",               // Phi-3
	"<end_of_turn>",         // Gemma
	"<|end_of_text|>",       // Granite
	"<｜end▁of▁sentence｜>",   // DeepSeek
	"<|endoftext|>",         // GPT-2 style
	"</s>",                  // Llama 2, Zephyr, Mistral
	"<|return|>",            // gpt-oss
	"<|END_OF_TURN_TOKEN|>", // Command-R
}

// StopStrings returns the end-of-turn markers that the template writes, in the order they
// first appear in it: text at which generation should stop. Templates that end turns with
// the eos_token variable (Mistral) write none literally; the engine also stops on the
// vocabulary's end-of-generation tokens.
func StopStrings(src string) []string {
	type hit struct {
		s   string
		pos int
	}
	var hits []hit
	for _, m := range endOfTurn {
		if i := strings.Index(src, m); i >= 0 {
			hits = append(hits, hit{m, i})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].pos < hits[b].pos })
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.s
	}
	return out
}
