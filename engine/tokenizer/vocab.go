// Package tokenizer turns text into token ids and back the way llama.cpp does (at commit
// 3f545beccee69d9975f466ec7e45fd9aacd8ba90): SentencePiece-style BPE ("llama" vocabs:
// highest-score bigram merges, byte fallback <0xNN>, ▁ for spaces) and byte-level BPE
// ("gpt2" vocabs: merge ranks over GPT-2's byte↔unicode alphabet, after the pre-tokenizer
// regexes that tokenizer.ggml.pre selects), WordPiece ("bert" vocabs: see wpm.go),
// special-token splitting, pieces and a streaming UTF-8-safe detokenizer.
package tokenizer

import "fmt"

// NoToken marks a special token the vocab does not have (llama.cpp's LLAMA_TOKEN_NULL).
const NoToken int32 = -1

// Token types as stored in tokenizer.ggml.token_type (llama.cpp's llama_token_type).
const (
	TypeUndefined   int32 = 0
	TypeNormal      int32 = 1
	TypeUnknown     int32 = 2
	TypeControl     int32 = 3
	TypeUserDefined int32 = 4
	TypeUnused      int32 = 5
	TypeByte        int32 = 6
)

// Vocab is the tokenizer part of a model's metadata, as plain data. Special ids are
// NoToken (-1) when absent. FromGGUF fills it with llama.cpp's defaults applied.
type Vocab struct {
	Model  string    // "llama" (SentencePiece BPE), "gpt2" (byte-level BPE) or "bert" (WordPiece)
	Pre    string    // tokenizer.ggml.pre (gpt2 only; "" means "default")
	Tokens []string  // piece text by id
	Scores []float32 // SPM merge scores by id (nil: all 0)
	Types  []int32   // Type* by id (nil: all normal)
	Merges []string  // gpt2: "left right", rank = index

	BOS, EOS, EOT, EOM, UNK, SEP, PAD int32
	// Fill-in-the-middle tokens; llama.cpp counts FIMPad, FIMRep and FIMSep as
	// end-of-generation.
	FIMPre, FIMSuf, FIMMid, FIMPad, FIMRep, FIMSep int32

	AddBOS, AddEOS bool // what Encode adds when addSpecial is set
	AddSpacePrefix bool // SPM: a space before the text (and after each special token)

	// general.name and general.architecture: llama.cpp sets per-token strip flags by
	// model name (phi-3: special tokens eat the spaces after them; jina-v2 / nomic-bert-moe:
	// <mask> eats the spaces before it).
	Name, Arch string
}

// token attributes (llama.cpp's llama_token_attr)
type attr uint16

const (
	attrUnknown attr = 1 << iota
	attrUnused
	attrNormal
	attrControl
	attrUserDefined
	attrByte
	attrNormalized
	attrLStrip
	attrRStrip
	attrSingleWord
)

func typeAttr(t int32) attr {
	switch t {
	case TypeUnknown:
		return attrUnknown
	case TypeUnused:
		return attrUnused
	case TypeNormal:
		return attrNormal
	case TypeControl:
		return attrControl
	case TypeUserDefined:
		return attrUserDefined
	case TypeByte:
		return attrByte
	}
	return 0 // undefined
}

// Tokenizer encodes and decodes with one vocab. It is safe for concurrent use.
type Tokenizer struct {
	spm    bool
	wpm    bool // WordPiece ("bert")
	tokens []string
	scores []float32
	attrs  []attr
	toID   map[string]int32
	ranks  map[string]int32 // "left right" -> merge rank

	maxTokenLen  int // WPM: longest token, in bytes
	pre          *preTokenizer
	cleanSpaces  bool
	ignoreMerges bool

	bos, eos, eot, eom, unk, sep, pad              int32
	fimPre, fimSuf, fimMid, fimPad, fimRep, fimSep int32
	addBOS, addEOS, addSpacePrefix                 bool

	eog     []int32    // sorted
	special []int32    // control / user-defined / unknown ids, longest text first
	trie    *trie      // over the special texts
	byteTok [256]int32 // SPM byte fallback: <0xNN> (or the 1-byte piece)
	rawByte [256]int32 // BPE last resort: the 1-byte piece
	pieces  [][]byte   // Piece(id, true)
	words   wordCache  // BPE results of recent pre-tokens
}

// New checks v and builds a tokenizer. It applies what llama.cpp derives at load time:
// EOT/EOM/FIM ids found by their text when unset, the end-of-generation set, control
// attributes forced on EOG-looking tokens, per-model strip flags.
func New(v Vocab) (*Tokenizer, error) {
	t := &Tokenizer{
		tokens: v.Tokens, scores: v.Scores,
		bos: v.BOS, eos: v.EOS, eot: v.EOT, eom: v.EOM, unk: v.UNK, sep: v.SEP, pad: v.PAD,
		fimPre: v.FIMPre, fimSuf: v.FIMSuf, fimMid: v.FIMMid, fimPad: v.FIMPad, fimRep: v.FIMRep, fimSep: v.FIMSep,
		addBOS: v.AddBOS, addEOS: v.AddEOS, addSpacePrefix: v.AddSpacePrefix,
	}
	n := len(v.Tokens)
	if n == 0 {
		return nil, fmt.Errorf("tokenizer: empty vocab")
	}
	if n > 1<<31-1 {
		return nil, fmt.Errorf("tokenizer: vocab of %d tokens is too large", n)
	}
	if v.Scores != nil && len(v.Scores) < n {
		return nil, fmt.Errorf("tokenizer: %d scores for %d tokens", len(v.Scores), n)
	}
	if v.Types != nil && len(v.Types) < n {
		return nil, fmt.Errorf("tokenizer: %d token types for %d tokens", len(v.Types), n)
	}
	switch v.Model {
	case "llama":
		t.spm = true
	case "bert":
		t.wpm = true
	case "gpt2":
		cfg, err := lookupPre(v.Pre)
		if err != nil {
			return nil, err
		}
		if t.pre, err = compilePre(cfg.pre); err != nil {
			return nil, err
		}
		t.cleanSpaces, t.ignoreMerges = cfg.cleanSpaces, cfg.ignoreMerges
	case "":
		return nil, fmt.Errorf("tokenizer: no tokenizer model (tokenizer.ggml.model)")
	default:
		return nil, &unsupportedModelError{v.Model}
	}

	t.tokens = make([]string, n)
	t.toID = make(map[string]int32, n)
	t.attrs = make([]attr, n)
	for i, s := range v.Tokens {
		if s == "" {
			s = fmt.Sprintf("[EMPTY_%d]", i) // llama.cpp's name for an empty piece
		}
		if j, dup := t.toID[s]; dup {
			return nil, fmt.Errorf("tokenizer: duplicate token %q has ids %d and %d", s, j, i)
		}
		t.toID[s] = int32(i)
		t.tokens[i] = s
		t.attrs[i] = attrNormal
		if v.Types != nil {
			t.attrs[i] = typeAttr(v.Types[i])
		}
	}
	if t.wpm {
		for _, s := range t.tokens {
			t.maxTokenLen = max(t.maxTokenLen, len(s))
		}
	}
	if !t.spm && !t.wpm {
		t.ranks = make(map[string]int32, len(v.Merges))
		for i, m := range v.Merges {
			key := " " // llama.cpp's pair ("", "") for a merge without a space
			if len(m) > 1 && indexByteFrom(m, ' ', 1) >= 0 {
				key = m
			}
			if _, ok := t.ranks[key]; !ok {
				t.ranks[key] = int32(i)
			}
		}
	}
	for _, id := range []*int32{&t.bos, &t.eos, &t.eot, &t.eom, &t.unk, &t.sep, &t.pad,
		&t.fimPre, &t.fimSuf, &t.fimMid, &t.fimPad, &t.fimRep, &t.fimSep} {
		if *id < NoToken || *id >= int32(n) {
			return nil, fmt.Errorf("tokenizer: special token id %d out of range [0, %d)", *id, n)
		}
	}
	if t.addBOS && t.bos == NoToken {
		return nil, fmt.Errorf("tokenizer: add_bos_token is true but there is no BOS token")
	}
	if t.addEOS && t.eos == NoToken {
		return nil, fmt.Errorf("tokenizer: add_eos_token is true but there is no EOS token")
	}
	t.detectSpecial(v)
	t.buildSpecialCache()
	for b := 0; b < 256; b++ {
		t.byteTok[b], t.rawByte[b] = NoToken, NoToken
		if id, ok := t.toID[fmt.Sprintf("<0x%02X>", b)]; ok {
			t.byteTok[b] = id
		} else if id, ok := t.toID[string([]byte{byte(b)})]; ok {
			t.byteTok[b] = id
		}
		if id, ok := t.toID[string([]byte{byte(b)})]; ok {
			t.rawByte[b] = id
		}
	}
	t.pieces = make([][]byte, n)
	for i := range t.pieces {
		t.pieces[i] = t.piece(int32(i), true)
	}
	return t, nil
}

func indexByteFrom(s string, c byte, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// Len is the number of tokens.
func (t *Tokenizer) Len() int { return len(t.tokens) }

// Token returns the text of id as stored in the vocab ("" when out of range).
func (t *Tokenizer) Token(id int32) string {
	if id < 0 || int(id) >= len(t.tokens) {
		return ""
	}
	return t.tokens[id]
}

// ID returns the id of a vocab entry's exact text.
func (t *Tokenizer) ID(text string) (int32, bool) {
	id, ok := t.toID[text]
	return id, ok
}

// Special token ids (NoToken when the vocab has none).
func (t *Tokenizer) BOS() int32 { return t.bos }
func (t *Tokenizer) EOS() int32 { return t.eos }
func (t *Tokenizer) EOT() int32 { return t.eot }
func (t *Tokenizer) EOM() int32 { return t.eom }
func (t *Tokenizer) UNK() int32 { return t.unk }
func (t *Tokenizer) SEP() int32 { return t.sep }
func (t *Tokenizer) PAD() int32 { return t.pad }

// AddBOS and AddEOS tell what Encode(…, addSpecial=true, …) adds.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// IsEOG reports whether id ends generation (llama_vocab_is_eog).
func (t *Tokenizer) IsEOG(id int32) bool {
	for _, e := range t.eog {
		if e == id {
			return true
		}
	}
	return false
}

// EOG returns the end-of-generation ids, sorted.
func (t *Tokenizer) EOG() []int32 { return append([]int32(nil), t.eog...) }

// IsControl reports whether id is a control token (rendered only with special=true).
func (t *Tokenizer) IsControl(id int32) bool {
	return id >= 0 && int(id) < len(t.attrs) && t.attrs[id]&attrControl != 0
}

type unsupportedModelError struct{ model string }

func (e *unsupportedModelError) Error() string {
	return fmt.Sprintf("tokenizer: unsupported tokenizer model %q (supported: llama, gpt2, bert)", e.model)
}
