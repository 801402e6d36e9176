package chat

import (
	"fmt"
	"strings"
)

// ChatML is the template used when a GGUF has none. It renders what llama.cpp's built-in
// fallback renders: each message as <|im_start|>role\ncontent<|im_end|>\n, then
// <|im_start|>assistant\n when a generation prompt is asked for.
const ChatML = "{%- for message in messages -%}\n" +
	"  {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}\n" +
	"{%- endfor -%}\n" +
	"{%- if add_generation_prompt -%}\n" +
	"  {{- '<|im_start|>assistant\\n' -}}\n" +
	"{%- endif -%}"

// ForModel picks the template for a model: the GGUF's tokenizer.chat_template when it has one,
// otherwise ChatML, which is what llama.cpp does for every architecture (it also treats the
// literal template "chatml" as a request for it). note says which was chosen, for logs and UI.
func ForModel(arch, ggufTemplate string) (src, note string) {
	if strings.TrimSpace(ggufTemplate) != "" && strings.TrimSpace(ggufTemplate) != "chatml" {
		return ggufTemplate, "chat template from the GGUF (tokenizer.chat_template)"
	}
	if arch == "" {
		arch = "unknown"
	}
	why := "has no tokenizer.chat_template"
	if strings.TrimSpace(ggufTemplate) == "chatml" {
		why = `names the "chatml" template`
	}
	return ChatML, fmt.Sprintf("the GGUF (architecture %s) %s; using ChatML "+
		"(<|im_start|>role ... <|im_end|>), llama.cpp's fallback: a model not tuned on ChatML may answer poorly", arch, why)
}
