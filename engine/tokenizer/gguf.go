package tokenizer

import (
	"fmt"

	"hearth/engine/gguf"
)

// FromGGUF builds the tokenizer of a model file (its tokenizer.ggml.* metadata).
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	v, err := VocabFromGGUF(f)
	if err != nil {
		return nil, err
	}
	return New(v)
}

// VocabFromGGUF reads tokenizer.ggml.* the way llama.cpp's llama_vocab::load does,
// defaults included: SPM vocabs get BOS 1, EOS 2, UNK 0, add_bos and the space prefix;
// byte-level BPE vocabs get BOS = EOS = 11 (sic), and add_bos only for the
// pre-tokenizers that ask for it (llama3, tekken). A special-token key whose value is
// not a valid id (e.g. 4294967295) leaves that default in place, as in llama.cpp.
func VocabFromGGUF(f *gguf.File) (Vocab, error) {
	const p = "tokenizer.ggml."
	v := Vocab{BOS: NoToken, EOS: NoToken, EOT: NoToken, EOM: NoToken, UNK: NoToken, SEP: NoToken, PAD: NoToken,
		FIMPre: NoToken, FIMSuf: NoToken, FIMMid: NoToken, FIMPad: NoToken, FIMRep: NoToken, FIMSep: NoToken}
	var ok bool
	if v.Model, ok = f.String(p + "model"); !ok {
		return v, fmt.Errorf("tokenizer: no %smodel string in the file", p)
	}
	v.Pre, _ = f.String(p + "pre")
	v.Name, _ = f.String("general.name")
	v.Arch = f.Architecture()

	switch v.Model {
	case "llama":
		v.BOS, v.EOS, v.UNK = 1, 2, 0
		v.AddBOS, v.AddSpacePrefix = true, true
	case "bert":
		// llama.cpp: [CLS] 101 as BOS, [UNK] 100, [SEP] 102 added at the end, [PAD] 0.
		v.BOS, v.EOS, v.UNK, v.SEP, v.PAD = 101, 102, 100, 102, 0
		v.AddBOS, v.AddEOS = true, true
		if id, ok := f.Uint(p + "cls_token_id"); ok && id < 1<<31-1 {
			v.BOS = int32(id) // range-checked below with the other ids
		}
	case "gpt2":
		cfg, err := lookupPre(v.Pre)
		if err != nil {
			return v, err
		}
		v.BOS, v.EOS = 11, 11
		if cfg.noBOS {
			v.BOS = NoToken
		}
		v.AddBOS = cfg.addBOS
		raw, ok := f.Get(p + "merges")
		if !ok {
			return v, fmt.Errorf("tokenizer: cannot find %smerges in the file", p)
		}
		if v.Merges, ok = raw.([]string); !ok {
			return v, fmt.Errorf("tokenizer: %smerges is %T, want an array of strings", p, raw)
		}
	default:
		return v, &unsupportedModelError{v.Model}
	}

	raw, ok := f.Get(p + "tokens")
	if !ok {
		return v, fmt.Errorf("tokenizer: cannot find %stokens in the file", p)
	}
	if v.Tokens, ok = raw.([]string); !ok {
		return v, fmt.Errorf("tokenizer: %stokens is %T, want an array of strings", p, raw)
	}
	n := len(v.Tokens)
	if raw, ok := f.Get(p + "scores"); ok {
		switch s := raw.(type) {
		case []float32:
			v.Scores = s
		case []int32:
			v.Scores = make([]float32, len(s))
			for i, x := range s {
				v.Scores[i] = float32(x)
			}
		default:
			return v, fmt.Errorf("tokenizer: %sscores is %T, want float32 or int32 array", p, raw)
		}
		if len(v.Scores) < n {
			return v, fmt.Errorf("tokenizer: %d scores for %d tokens", len(v.Scores), n)
		}
	}
	if raw, ok := f.Get(p + "token_type"); ok {
		if v.Types, ok = raw.([]int32); !ok {
			return v, fmt.Errorf("tokenizer: %stoken_type is %T, want an int32 array", p, raw)
		}
		if len(v.Types) < n {
			return v, fmt.Errorf("tokenizer: %d token types for %d tokens", len(v.Types), n)
		}
	}

	for _, k := range []struct {
		key string
		id  *int32
	}{
		{"bos_token_id", &v.BOS}, {"eos_token_id", &v.EOS}, {"eot_token_id", &v.EOT}, {"eom_token_id", &v.EOM},
		{"unknown_token_id", &v.UNK}, {"seperator_token_id", &v.SEP}, {"padding_token_id", &v.PAD},
		{"fim_pre_token_id", &v.FIMPre}, {"fim_suf_token_id", &v.FIMSuf}, {"fim_mid_token_id", &v.FIMMid},
		{"fim_pad_token_id", &v.FIMPad}, {"fim_rep_token_id", &v.FIMRep}, {"fim_sep_token_id", &v.FIMSep},
		{"prefix_token_id", &v.FIMPre}, {"suffix_token_id", &v.FIMSuf}, {"middle_token_id", &v.FIMMid},
	} {
		if *k.id >= int32(n) {
			*k.id = NoToken // a default outside the vocab is dropped
		}
		if id, ok := f.Uint(p + k.key); ok && id < uint64(n) {
			*k.id = int32(id)
		}
	}
	if _, ok := f.Uint(p + "eos_token_id"); v.Model == "bert" && !ok {
		v.EOS = v.SEP // WPM ends with [SEP] (llama.cpp's add_sep)
	}
	for _, k := range []struct {
		key string
		b   *bool
	}{{"add_bos_token", &v.AddBOS}, {"add_eos_token", &v.AddEOS}, {"add_space_prefix", &v.AddSpacePrefix}} {
		if b, ok := f.Bool(p + k.key); ok {
			*k.b = b
		}
	}
	return v, nil
}
