package chat

import "strings"

// TrimAddedTokens removes from a rendered prompt the special tokens the tokenizer will add by
// itself: one leading bos when the GGUF says tokenizer.ggml.add_bos_token, one trailing eos
// when it says add_eos_token. llama.cpp does the same, so that a template's {{ bos_token }}
// and the tokenizer's BOS do not end up twice in the prompt.
func TrimAddedTokens(prompt, bos, eos string, addBOS, addEOS bool) string {
	if addBOS && bos != "" {
		prompt = strings.TrimPrefix(prompt, bos)
	}
	if addEOS && eos != "" {
		prompt = strings.TrimSuffix(prompt, eos)
	}
	return prompt
}
