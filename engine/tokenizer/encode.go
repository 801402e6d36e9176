package tokenizer

// Encode tokenizes text as llama_tokenize does. With addSpecial the vocab's BOS / EOS
// are added when it asks for them (tokenizer.ggml.add_bos_token / add_eos_token).
// With parseSpecial, control-token text such as "<|im_start|>" becomes that token;
// user-defined tokens are matched in the text either way. Invalid UTF-8 never fails:
// SPM falls back to byte tokens, byte-level BPE reads bad bytes as U+FFFD.
func (t *Tokenizer) Encode(text string, addSpecial, parseSpecial bool) []int32 {
	out := make([]int32, 0, len(text)/3+2)
	frags := t.partition(text, parseSpecial)
	if addSpecial && t.addBOS {
		out = append(out, t.bos)
	}
	if t.spm {
		prevSpecial := true // a space prefix at the start
		var buf []byte
		for _, f := range frags {
			if f.tok != NoToken {
				out = append(out, f.tok)
				prevSpecial = true
				continue
			}
			buf = buf[:0]
			if t.addSpacePrefix && prevSpecial {
				buf = append(buf, "▁"...)
			}
			buf = escapeSpaces(buf, text[f.off:f.off+f.n])
			out = t.spmTokenize(string(buf), out)
			prevSpecial = false
		}
	} else if t.wpm {
		for _, f := range frags {
			if f.tok != NoToken {
				out = append(out, f.tok)
				continue
			}
			out = t.wpmTokenize(text[f.off:f.off+f.n], out)
		}
	} else {
		s := &bpeSession{t: t}
		for _, f := range frags {
			if f.tok != NoToken {
				out = append(out, f.tok)
				continue
			}
			t.pre.words(text[f.off:f.off+f.n], func(word []byte) {
				out = s.bpeWord(word, out)
			})
		}
	}
	if addSpecial && t.addEOS {
		out = append(out, t.eos)
	}
	return out
}

// escapeSpaces appends s with each ' ' written as "▁" (U+2581).
func escapeSpaces(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			dst = append(dst, "▁"...)
		} else {
			dst = append(dst, s[i])
		}
	}
	return dst
}
