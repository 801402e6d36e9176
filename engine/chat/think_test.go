package chat

import (
	"math/rand/v2"
	"testing"
)

var thinkCases = []struct {
	name               string
	startsInThink      bool
	text               string
	reasoning, content string
}{
	{"qwen3", false, "<think>\nOne plus one is two.\n</think>\n\n2", "One plus one is two.", "2"},
	{"r1 opened by the prompt", true, "Let me add.\n\nOne plus one.\n</think>\n\nThe answer is 2.", "Let me add.\n\nOne plus one.", "The answer is 2."},
	{"no think", false, "Hello there!", "", "Hello there!"},
	{"answer keeps its leading whitespace", false, "  indented", "", "  indented"},
	{"empty think", false, "<think>\n\n</think>\n\nHi", "", "Hi"},
	{"unclosed think", false, "<think>still thinking...\n", "still thinking...", ""},
	{"unclosed, prompt opened", true, "hmm", "hmm", ""},
	{"tag-like text is content", false, "<thinking> is not a tag", "", "<thinking> is not a tag"},
	{"think later is text", false, "Answer: use <think> tags", "", "Answer: use <think> tags"},
	{"second think after answer is text", false, "<think>a</think>b<think>c</think>", "a", "b<think>c</think>"},
	{"partial close at the end", false, "<think>x</thi", "x</thi", ""},
	{"partial open at the end", false, "<thi", "", "<thi"},
	{"lt inside reasoning", false, "<think>a < b and </b> </think>ok", "a < b and </b>", "ok"},
	{"whitespace only", false, " \n ", "", ""},
	{"multibyte", true, "思考 🙂\n</think>\n答案", "思考 🙂", "答案"},
}

func splitAll(startsInThink bool, chunks []string) (reasoning, content string) {
	s := NewThinkSplitter(startsInThink)
	for _, c := range chunks {
		r, t := s.Push(c)
		reasoning += r
		content += t
	}
	r, t := s.Flush()
	return reasoning + r, content + t
}

func TestThinkSplitter(t *testing.T) {
	for _, c := range thinkCases {
		r, s := splitAll(c.startsInThink, []string{c.text})
		if r != c.reasoning || s != c.content {
			t.Errorf("%s: got (%q, %q), want (%q, %q)", c.name, r, s, c.reasoning, c.content)
		}
	}
}

// TestThinkSplitterChunks feeds every case cut at every byte, one byte at a time, and in random
// chunks: the result must not depend on where the chunks end.
func TestThinkSplitterChunks(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, c := range thinkCases {
		var cuts [][]string
		for i := 0; i <= len(c.text); i++ {
			cuts = append(cuts, []string{c.text[:i], c.text[i:]})
		}
		var bytes []string
		for i := range len(c.text) {
			bytes = append(bytes, c.text[i:i+1])
		}
		cuts = append(cuts, bytes)
		for range 50 {
			var chunks []string
			for rest := c.text; rest != ""; {
				n := 1 + rng.IntN(min(len(rest), 6))
				chunks, rest = append(chunks, rest[:n]), rest[n:]
			}
			cuts = append(cuts, chunks)
		}
		for _, chunks := range cuts {
			r, s := splitAll(c.startsInThink, chunks)
			if r != c.reasoning || s != c.content {
				t.Fatalf("%s in chunks %q: got (%q, %q), want (%q, %q)", c.name, chunks, r, s, c.reasoning, c.content)
			}
		}
	}
}

// TestThinkSplitterHoldsOnlyTags checks that text is released as soon as it cannot be part of a
// tag: a streaming UI must not lag behind the model.
func TestThinkSplitterHoldsOnlyTags(t *testing.T) {
	s := NewThinkSplitter(true)
	if r, _ := s.Push("step one"); r != "step one" {
		t.Errorf("reasoning held back: %q", r)
	}
	if r, _ := s.Push(" then </th"); r != " then" {
		t.Errorf("got %q, want the text before the partial tag", r)
	}
	if r, c := s.Push("ink>Done"); r != "" || c != "Done" {
		t.Errorf("after the close tag: (%q, %q)", r, c)
	}
	s = NewThinkSplitter(false)
	if _, c := s.Push("Plain answer"); c != "Plain answer" {
		t.Errorf("content held back: %q", c)
	}
}

func TestOpensThink(t *testing.T) {
	for prompt, want := range map[string]bool{
		"<｜User｜>Hi<｜Assistant｜><think>\n":                           true,
		"<|im_start|>assistant\n":                                    false,
		"<|im_start|>assistant\n<think>\n\n</think>\n\n":             false,
		"<|im_start|>system\nUse <think> tags.<|im_end|>\nassistant": false,
		"": false,
	} {
		if got := OpensThink(prompt); got != want {
			t.Errorf("OpensThink(%q) = %v", prompt, got)
		}
	}
}
