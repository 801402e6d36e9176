package tokenizer

import (
	"sort"
	"strings"
)

// Token texts llama.cpp's llama_vocab::load recognises (the "auto-detect special tokens
// by text" workaround for converters that do not write the ids).
var (
	eotTexts = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
		"<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]", "<｜end▁of▁sentence｜>", "<end_of_utterance>"}
	eomTexts    = []string{"<|eom_id|>"}
	fimPreTexts = []string{"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>",
		"<|code_prefix|>", "<|prefix|>"}
	fimSufTexts = []string{"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>",
		"<|code_suffix|>", "<|suffix|>"}
	fimMidTexts = []string{"<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>",
		"<|code_middle|>", "<|middle|>"}
	fimPadTexts = []string{"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}
	fimRepTexts = []string{"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}
	fimSepTexts = []string{"<|file_sep|>"}
	eogTexts    = []string{"<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>",
		"<|calls|>", "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
		"<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
		"<｜end▁of▁sentence｜>", "[e~["}
	alwaysRendered = []string{"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"} // gpt-oss
)

func in(s string, list []string) bool {
	if s == "" || s[0] != '<' && s[0] != '[' && s[0] != '_' && s[0] != 0xE2 {
		return false // none of the lists has a text starting otherwise
	}
	for _, x := range list {
		if s == x {
			return true
		}
	}
	return false
}

// detectSpecial mirrors the end of llama.cpp's special-token setup. Where llama.cpp
// walks its hash map (unspecified order) and takes the first match, this takes the
// lowest id.
func (t *Tokenizer) detectSpecial(v Vocab) {
	byText := []struct {
		id    *int32
		texts []string
	}{
		{&t.eot, eotTexts}, {&t.eom, eomTexts}, {&t.fimPre, fimPreTexts}, {&t.fimSuf, fimSufTexts},
		{&t.fimMid, fimMidTexts}, {&t.fimPad, fimPadTexts}, {&t.fimRep, fimRepTexts}, {&t.fimSep, fimSepTexts},
	}
	for id, s := range t.tokens {
		for _, d := range byText {
			if *d.id == NoToken && in(s, d.texts) {
				*d.id = int32(id)
				t.attrs[id] |= attrControl
			}
		}
	}
	for id, s := range t.tokens {
		if t.attrs[id]&attrControl != 0 && t.attrs[id]&attrUnused == 0 && strings.Contains(s, "unused") {
			t.attrs[id] |= attrUnused
		}
	}
	eog := map[int32]bool{}
	for _, id := range []int32{t.fimPad, t.fimRep, t.fimSep} {
		if id != NoToken {
			eog[id] = true
		}
	}
	for id, s := range t.tokens {
		if in(s, eogTexts) {
			eog[int32(id)] = true
			t.attrs[id] |= attrControl
		}
	}
	for id, s := range t.tokens {
		if in(s, alwaysRendered) {
			t.attrs[id] = attrUserDefined
		}
	}
	for _, id := range []int32{t.eos, t.eot, t.eom} {
		if id != NoToken {
			eog[id] = true
		}
	}
	// o200k_harmony / solar-open: "<|end|>" is not EOG when "<|return|>" and "<|call|>"
	// (or "<|calls|>" and "<|flush|>") are.
	has := map[string]int32{}
	for id := range eog {
		has[t.tokens[id]] = id
	}
	_, ret := has["<|return|>"]
	_, call := has["<|call|>"]
	_, calls := has["<|calls|>"]
	_, flush := has["<|flush|>"]
	if end, ok := has["<|end|>"]; ok && (ret && (call || calls) || (call || calls) && flush) {
		delete(eog, end)
		t.attrs[end] = attrUserDefined
	}
	// gemma4 / paddleocr: "</s>" is not EOG next to "<|tool_response>".
	if s, ok := has["</s>"]; ok {
		if _, tr := has["<|tool_response>"]; tr {
			delete(eog, s)
			t.attrs[s] = attrNormal
		}
	}
	for id := range eog {
		t.eog = append(t.eog, id)
	}
	sort.Slice(t.eog, func(i, j int) bool { return t.eog[i] < t.eog[j] })

	// special tokens cache, longest first
	for id := range t.tokens {
		if t.attrs[id]&(attrControl|attrUserDefined|attrUnknown) != 0 {
			t.special = append(t.special, int32(id))
		}
	}
	sort.SliceStable(t.special, func(i, j int) bool {
		return len(t.tokens[t.special[i]]) > len(t.tokens[t.special[j]])
	})

	// per-model strip flags
	setAttr := func(text string, a attr, on bool) {
		if id, ok := t.toID[text]; ok {
			if on {
				t.attrs[id] |= a
			} else {
				t.attrs[id] &^= a
			}
		}
	}
	name := strings.ToLower(v.Name)
	containsAny := func(s string, subs ...string) bool {
		for _, x := range subs {
			if strings.Contains(s, x) {
				return true
			}
		}
		return false
	}
	switch {
	case containsAny(v.Pre, "jina-v2-de", "jina-v2-es", "jina-v2-code") || containsAny(v.Arch, "nomic-bert-moe", "jina-bert-v3"):
		setAttr("<mask>", attrLStrip, true)
	case containsAny(name, "phi-3", "phi3"):
		for _, id := range t.special {
			t.attrs[id] |= attrRStrip
		}
		setAttr("</s>", attrRStrip, true)
		for _, s := range []string{"<unk>", "<s>", "<|endoftext|>"} {
			setAttr(s, attrRStrip, false)
		}
	case containsAny(name, "modern-bert"):
		setAttr("[MASK]", attrLStrip, true)
	}
}

// buildSpecialCache indexes the special texts for partition.
func (t *Tokenizer) buildSpecialCache() {
	t.trie = newTrie()
	for _, id := range t.special {
		t.trie.insert(t.tokens[id], id)
	}
}

// trie over special-token texts, to find which of them occur in a text in one pass.
type trie struct {
	next map[uint64]int32 // node<<8 | byte -> child
	id   []int32          // token ending at node, or NoToken
}

func newTrie() *trie { return &trie{next: map[uint64]int32{}, id: []int32{NoToken}} }

func (tr *trie) insert(s string, id int32) {
	node := int32(0)
	for i := 0; i < len(s); i++ {
		k := uint64(node)<<8 | uint64(s[i])
		child, ok := tr.next[k]
		if !ok {
			child = int32(len(tr.id))
			tr.id = append(tr.id, NoToken)
			tr.next[k] = child
		}
		node = child
	}
	tr.id[node] = id
}

// occurring returns the set of token ids whose text occurs somewhere in s.
func (tr *trie) occurring(s string) map[int32]bool {
	var found map[int32]bool
	for i := 0; i < len(s); i++ {
		node := int32(0)
		for j := i; j < len(s); j++ {
			child, ok := tr.next[uint64(node)<<8|uint64(s[j])]
			if !ok {
				break
			}
			node = child
			if id := tr.id[node]; id != NoToken {
				if found == nil {
					found = map[int32]bool{}
				}
				found[id] = true
			}
		}
	}
	return found
}

// fragment is either a special token (tok >= 0) or raw text s[off:off+n].
type fragment struct {
	tok    int32
	off, n int
}

func isCSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// partition splits text around special tokens as llama.cpp's tokenizer_st_partition:
// longest token first, each splitting every raw fragment at all its occurrences.
// Control and unknown tokens are matched only with parseSpecial; user-defined tokens
// always are.
func (t *Tokenizer) partition(text string, parseSpecial bool) []fragment {
	if text == "" {
		return nil
	}
	frags := []fragment{{tok: NoToken, off: 0, n: len(text)}}
	occ := t.trie.occurring(text)
	if len(occ) == 0 {
		return frags
	}
	for _, id := range t.special {
		if !occ[id] {
			continue
		}
		a := t.attrs[id]
		if !parseSpecial && a&(attrControl|attrUnknown) != 0 {
			continue
		}
		tok := t.tokens[id]
		var out []fragment
		for _, f := range frags {
			if f.tok != NoToken {
				out = append(out, f)
				continue
			}
			off, n := f.off, f.n
			for {
				i := strings.Index(text[off:off+n], tok)
				if i < 0 {
					out = append(out, fragment{NoToken, off, n})
					break
				}
				left := i
				if a&attrLStrip != 0 {
					for left > 0 && isCSpace(text[off+left-1]) {
						left--
					}
				}
				if left > 0 {
					out = append(out, fragment{NoToken, off, left})
				}
				out = append(out, fragment{tok: id})
				rOff := off + i + len(tok)
				rN := off + n - rOff
				if a&attrRStrip != 0 {
					for rN > 0 && isCSpace(text[rOff]) {
						rOff++
						rN--
					}
				}
				if rN <= 0 {
					break
				}
				off, n = rOff, rN
			}
		}
		frags = out
	}
	return frags
}
