package tokenizer

import (
	"bytes"
	"strings"
	"testing"

	"hearth/engine/gguf"
)

// writeGGUF encodes metadata with the gguf writer and opens it again.
func writeGGUF(tb testing.TB, kv map[string]any) *gguf.File {
	tb.Helper()
	w := gguf.NewWriter()
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	for _, k := range keys {
		w.Set(k, kv[k])
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		tb.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func spmKV() map[string]any {
	v := spmVocab(map[string]float32{"▁": -1, "▁a": -1, "a": -2})
	return map[string]any{
		"tokenizer.ggml.model":      "llama",
		"tokenizer.ggml.tokens":     v.Tokens,
		"tokenizer.ggml.scores":     v.Scores,
		"tokenizer.ggml.token_type": v.Types,
	}
}

func bpeKV(pre string) map[string]any {
	v := bpeVocab(pre, []string{"a b"}, "<|endoftext|>:3")
	kv := map[string]any{
		"tokenizer.ggml.model":      "gpt2",
		"tokenizer.ggml.tokens":     v.Tokens,
		"tokenizer.ggml.token_type": v.Types,
		"tokenizer.ggml.merges":     v.Merges,
	}
	if pre != "" {
		kv["tokenizer.ggml.pre"] = pre
	}
	return kv
}

func TestFromGGUFDefaults(t *testing.T) {
	// like stories260K: no add_bos key, "no such token" written as 4294967295
	kv := spmKV()
	kv["tokenizer.ggml.seperator_token_id"] = uint32(4294967295)
	kv["tokenizer.ggml.padding_token_id"] = uint32(4294967295)
	kv["tokenizer.ggml.bos_token_id"] = uint32(4294967295) // keeps llama.cpp's default, 1
	v, err := VocabFromGGUF(writeGGUF(t, kv))
	if err != nil {
		t.Fatal(err)
	}
	if v.BOS != 1 || v.EOS != 2 || v.UNK != 0 || v.PAD != NoToken || v.SEP != NoToken || v.EOT != NoToken {
		t.Errorf("SPM ids: bos %d eos %d unk %d pad %d sep %d eot %d", v.BOS, v.EOS, v.UNK, v.PAD, v.SEP, v.EOT)
	}
	if !v.AddBOS || v.AddEOS || !v.AddSpacePrefix {
		t.Errorf("SPM flags: add_bos %v add_eos %v space %v", v.AddBOS, v.AddEOS, v.AddSpacePrefix)
	}
	tok, err := New(v)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("a", true, false); !equalIDs(got, append([]int32{1}, ids(tok, "▁a")...)) {
		t.Errorf("Encode = %v", got)
	}
	kv["tokenizer.ggml.add_space_prefix"] = false
	kv["tokenizer.ggml.add_bos_token"] = false
	tok, err = FromGGUF(writeGGUF(t, kv))
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Encode("a", true, false); !equalIDs(got, ids(tok, "a")) {
		t.Errorf("without space prefix and BOS: %v", got)
	}

	for _, c := range []struct {
		pre    string
		addBOS bool
		bos    int32
	}{
		{"", false, 11}, {"gpt-2", false, 11}, {"llama-bpe", true, 11}, {"chatglm-bpe", false, NoToken},
	} {
		v, err := VocabFromGGUF(writeGGUF(t, bpeKV(c.pre)))
		if err != nil {
			t.Fatal(err)
		}
		if v.AddBOS != c.addBOS || v.BOS != c.bos || v.EOS != 11 || v.AddSpacePrefix {
			t.Errorf("pre %q: add_bos %v bos %d eos %d space %v", c.pre, v.AddBOS, v.BOS, v.EOS, v.AddSpacePrefix)
		}
		tok, err := New(v)
		if err != nil {
			t.Fatal(err)
		}
		if eot := ids(tok, "<|endoftext|>")[0]; tok.EOT() != eot || !tok.IsEOG(eot) || !tok.IsEOG(11) {
			t.Errorf("pre %q: eot %d, EOG %v", c.pre, tok.EOT(), tok.EOG())
		}
	}
}

func TestFromGGUFErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		kv   map[string]any
		edit func(map[string]any)
		msg  string
	}{
		{"no model", spmKV(), func(m map[string]any) { delete(m, "tokenizer.ggml.model") }, "no tokenizer.ggml.model"},
		{"t5", spmKV(), func(m map[string]any) { m["tokenizer.ggml.model"] = "t5" }, `unsupported tokenizer model "t5"`},
		{"no tokens", spmKV(), func(m map[string]any) { delete(m, "tokenizer.ggml.tokens") }, "cannot find tokenizer.ggml.tokens"},
		{"tokens type", spmKV(), func(m map[string]any) { m["tokenizer.ggml.tokens"] = []uint32{1} }, "want an array of strings"},
		{"scores type", spmKV(), func(m map[string]any) { m["tokenizer.ggml.scores"] = []string{"x"} }, "scores is []string"},
		{"scores short", spmKV(), func(m map[string]any) { m["tokenizer.ggml.scores"] = []float32{1} }, "1 scores for"},
		{"types type", spmKV(), func(m map[string]any) { m["tokenizer.ggml.token_type"] = []uint8{1} }, "want an int32 array"},
		{"types short", spmKV(), func(m map[string]any) { m["tokenizer.ggml.token_type"] = []int32{1} }, "1 token types"},
		{"no merges", bpeKV("gpt-2"), func(m map[string]any) { delete(m, "tokenizer.ggml.merges") }, "cannot find tokenizer.ggml.merges"},
		{"merges type", bpeKV("gpt-2"), func(m map[string]any) { m["tokenizer.ggml.merges"] = uint32(3) }, "merges is uint32"},
		{"pre", bpeKV("klingon"), nil, `unknown pre-tokenizer type "klingon"`},
		{"bos", bpeKV("chatglm-bpe"), func(m map[string]any) { m["tokenizer.ggml.add_bos_token"] = true }, "no BOS"},
	} {
		if c.edit != nil {
			c.edit(c.kv)
		}
		_, err := FromGGUF(writeGGUF(t, c.kv))
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.msg)
		}
	}
}

// TestFromGGUFSharedVocabs checks what llama.cpp derives for the shared files.
func TestFromGGUFSharedVocabs(t *testing.T) {
	stories := loadTokenizer(t, "models", "stories260K.gguf")
	if stories.PAD() != NoToken || stories.SEP() != NoToken || !stories.AddBOS() || stories.BOS() != 1 {
		t.Errorf("stories260K: pad %d sep %d add_bos %v bos %d", stories.PAD(), stories.SEP(), stories.AddBOS(), stories.BOS())
	}
	llama3 := loadTokenizer(t, "models", "synth-llama3-F16.gguf")
	if got, want := llama3.EOG(), []int32{2042, 2045, 2046}; !equalIDs(got, want) {
		t.Errorf("synth-llama3 EOG = %v, want %v", got, want)
	}
	qwen3 := loadTokenizer(t, "models", "synth-qwen3-F16.gguf")
	// <think> is user-defined: matched in text even without parseSpecial
	if got := qwen3.Encode("<think>\nhi</think>", false, false); len(got) < 2 || got[0] != 2046 || got[len(got)-1] != 2047 {
		t.Errorf("qwen3 <think>: %v", got)
	}
	if got := qwen3.Encode("<|im_start|>user", false, true); len(got) == 0 || got[0] != 2044 {
		t.Errorf("qwen3 parseSpecial: %v", got)
	}
	if got := qwen3.Encode("<|im_start|>user", false, false); len(got) > 0 && got[0] == 2044 {
		t.Errorf("qwen3 matched a control token without parseSpecial: %v", got)
	}
	if got, want := qwen3.EOG(), []int32{2043, 2045}; !equalIDs(got, want) {
		t.Errorf("synth-qwen3 EOG = %v, want %v", got, want)
	}
}
