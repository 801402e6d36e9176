package tokenizer

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// preType is one of llama.cpp's LLAMA_VOCAB_PRE_TYPE_* regex lists (llm_tokenizer_bpe).
type preType struct {
	name  string
	exprs []string
}

// The regex lists, as written in llama.cpp's src/llama-vocab.cpp (C++ escapes undone).
var (
	preDefault = preType{"default", []string{
		`[\p{P}\$\+<=>\^~\|]+`,
		gpt2Regex,
		`\p{N}+`,
		`[0-9][0-9][0-9]`,
	}}
	preLlama3      = preType{"llama3", []string{llama3Regex}}
	preDeepseekLLM = preType{"deepseek-llm", []string{
		`[\r\n]`,
		"\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2\U000118a0-\U000118df\U0001e900-\U0001e943]+",
		`\s?[!-/:-~！-／：-～‘-‟　-。]+`,
		`\s+$`,
		`[一-龥ࠀ-一가-퟿]+`,
		`\p{N}+`,
	}}
	preDeepseek3 = preType{"deepseek-v3", []string{
		`\p{N}{1,3}`,
		`[一-龥぀-ゟ゠-ヿ]+`,
		`[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_` + "`" + `{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	preDeepseekCoder = preType{"deepseek-coder", []string{
		`[\r\n]`,
		`\s?\p{L}+`,
		`\s?\p{P}+`,
		`[一-龥ࠀ-一가-퟿]+`,
		`\p{N}`,
	}}
	preFalcon = preType{"falcon", []string{
		`[\p{P}\$\+<=>\^~\|` + "`" + `]+`,
		gpt2Regex,
		`[0-9][0-9][0-9]`,
	}}
	preStarcoder = preType{"starcoder", []string{`\p{N}`, gpt2Regex}}
	preGPT2      = preType{"gpt-2", []string{gpt2Regex}}
	preQwen2     = preType{"qwen2", []string{
		`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	preQwen35 = preType{"qwen35", []string{
		`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	prePoro     = preType{"poro-chat", []string{` ?[^(\s|.,!?…。，、।۔،)]+`}}
	preChatGLM4 = preType{"chatglm-bpe", []string{
		`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	preTekken = preType{"tekken", []string{
		`[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	preGPT4o = preType{"gpt-4o", []string{
		`[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	preSeedCoder = preType{"seed-coder", []string{
		`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
	preBailingMoe = preType{"bailingmoe", []string{
		`'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`,
	}}
	preMiniCPM5 = preType{"minicpm5", []string{
		`\p{N}{1,3}`,
		`(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
	}}
)

// preConfig is what a tokenizer.ggml.pre name selects in llama.cpp's llama_vocab::load.
type preConfig struct {
	pre          *preType
	cleanSpaces  bool // clean_up_tokenization_spaces in detokenize
	ignoreMerges bool // a whole pre-token that is in the vocab is taken as is
	addBOS       bool // add_bos default before tokenizer.ggml.add_bos_token
	noBOS        bool // the default BOS id is cleared (chatglm)
}

// preNames maps each tokenizer.ggml.pre value llama.cpp knows (at the pinned commit)
// and whose regex list is supported here.
var preNames = map[string]preConfig{
	"default": {pre: &preDefault, cleanSpaces: true},

	"llama3":       {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"llama-v3":     {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"llama-bpe":    {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"falcon3":      {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"falcon-h1":    {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"pixtral":      {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"midm-2.0":     {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"lfm2":         {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"jina-v5-nano": {pre: &preLlama3, cleanSpaces: true, ignoreMerges: true, addBOS: true},
	"dbrx":         {pre: &preLlama3, cleanSpaces: true},
	"smaug-bpe":    {pre: &preLlama3, cleanSpaces: true},

	"deepseek-llm":   {pre: &preDeepseekLLM},
	"deepseek-coder": {pre: &preDeepseekCoder},
	"deepseek-v3":    {pre: &preDeepseek3},
	"hunyuan-dense":  {pre: &preDeepseek3},
	"joyai-llm":      {pre: &preDeepseek3},
	"hy_v4":          {pre: &preDeepseek3},

	"falcon": {pre: &preFalcon, cleanSpaces: true},

	"starcoder":  {pre: &preStarcoder, cleanSpaces: true},
	"refact":     {pre: &preStarcoder, cleanSpaces: true},
	"command-r":  {pre: &preStarcoder},
	"smollm":     {pre: &preStarcoder},
	"codeshell":  {pre: &preStarcoder, cleanSpaces: true},
	"exaone":     {pre: &preStarcoder, cleanSpaces: true},
	"minerva-7b": {pre: &preStarcoder, cleanSpaces: true},
	"mellum2":    {pre: &preStarcoder, cleanSpaces: true},

	"gpt-2":           {pre: &preGPT2, cleanSpaces: true},
	"phi-2":           {pre: &preGPT2, cleanSpaces: true},
	"jina-es":         {pre: &preGPT2, cleanSpaces: true},
	"jina-de":         {pre: &preGPT2, cleanSpaces: true},
	"gigachat":        {pre: &preGPT2, cleanSpaces: true},
	"jina-v2-es":      {pre: &preGPT2, cleanSpaces: true},
	"jina-v2-de":      {pre: &preGPT2, cleanSpaces: true},
	"a.x-4.0":         {pre: &preGPT2, cleanSpaces: true},
	"mellum":          {pre: &preGPT2, cleanSpaces: true},
	"modern-bert":     {pre: &preGPT2, cleanSpaces: true},
	"exaone4":         {pre: &preGPT2, cleanSpaces: true},
	"jina-v1-en":      {pre: &preGPT2, cleanSpaces: true},
	"jina-v2-code":    {pre: &preGPT2, cleanSpaces: true},
	"roberta-bpe":     {pre: &preGPT2, cleanSpaces: true},
	"mpt":             {pre: &preGPT2, cleanSpaces: true},
	"olmo":            {pre: &preGPT2, cleanSpaces: true},
	"jais":            {pre: &preGPT2, cleanSpaces: true},
	"trillion":        {pre: &preGPT2},
	"granite-docling": {pre: &preGPT2},

	"qwen2":            {pre: &preQwen2},
	"deepseek-r1-qwen": {pre: &preQwen2},
	"kormo":            {pre: &preQwen2},
	"f2llmv2":          {pre: &preQwen2},
	"megrez":           {pre: &preQwen2, cleanSpaces: true},
	"stablelm2":        {pre: &preQwen2, cleanSpaces: true},
	"hunyuan":          {pre: &preQwen2},
	"solar-open":       {pre: &preQwen2},
	"qwen35":           {pre: &preQwen35},

	"poro-chat":    {pre: &prePoro},
	"bloom":        {pre: &prePoro, cleanSpaces: true},
	"gpt3-finnish": {pre: &prePoro, cleanSpaces: true},

	"glm4":        {pre: &preChatGLM4, cleanSpaces: true, noBOS: true},
	"chatglm-bpe": {pre: &preChatGLM4, cleanSpaces: true, noBOS: true},

	"tekken":  {pre: &preTekken, ignoreMerges: true, addBOS: true},
	"gpt-4o":  {pre: &preGPT4o},
	"llama4":  {pre: &preGPT4o},
	"kanana2": {pre: &preGPT4o},
	"talkie":  {pre: &preGPT4o},

	"seed-coder":  {pre: &preSeedCoder},
	"bailingmoe":  {pre: &preBailingMoe},
	"bailingmoe2": {pre: &preBailingMoe},
	"llada-moe":   {pre: &preBailingMoe},
	"minicpm5":    {pre: &preMiniCPM5, cleanSpaces: true, ignoreMerges: true},
}

// SupportedPre lists the tokenizer.ggml.pre values this package can tokenize.
func SupportedPre() []string {
	names := make([]string, 0, len(preNames))
	for n := range preNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func lookupPre(name string) (preConfig, error) {
	if name == "" {
		// llama.cpp: "missing pre-tokenizer type, using: 'default'" (with a loud warning)
		return preNames["default"], nil
	}
	c, ok := preNames[name]
	if !ok {
		return c, fmt.Errorf("tokenizer: unknown pre-tokenizer type %q (tokenizer.ggml.pre); supported: %s",
			name, strings.Join(SupportedPre(), ", "))
	}
	return c, nil
}

// preTokenizer is a compiled regex list.
type preTokenizer struct {
	name   string
	splits []splitter
}

var (
	preCacheMu sync.Mutex
	preCache   = map[*preType]*preTokenizer{}
)

func compilePre(p *preType) (*preTokenizer, error) {
	preCacheMu.Lock()
	defer preCacheMu.Unlock()
	if pt, ok := preCache[p]; ok {
		return pt, nil
	}
	pt := &preTokenizer{name: p.name}
	for _, e := range p.exprs {
		switch e {
		case gpt2Regex:
			pt.splits = append(pt.splits, gpt2Split{})
		case llama3Regex, llama3RegexI:
			pt.splits = append(pt.splits, llama3Split{})
		default:
			s, err := newRegexSplit(e)
			if err != nil {
				return nil, fmt.Errorf("tokenizer: pre-tokenizer %s: %w", p.name, err)
			}
			pt.splits = append(pt.splits, s)
		}
	}
	preCache[p] = pt
	return pt, nil
}

// words splits text into pre-tokens, each returned in GPT-2 byte-encoded form
// (llama.cpp's unicode_regex_split followed by unicode_byte_encoding_process).
func (p *preTokenizer) words(text string, fn func(word []byte)) {
	t := &splitText{cpts: decodeCpts(text, make([]rune, 0, len(text)))}
	if len(t.cpts) == 0 {
		return
	}
	offsets := []int{len(t.cpts)}
	for _, s := range p.splits {
		offsets = s.split(t, offsets)
	}
	var raw, enc []byte
	start := 0
	for _, n := range offsets {
		raw = raw[:0]
		for _, r := range t.cpts[start : start+n] {
			raw = appendCpt(raw, r)
		}
		start += n
		enc = byteEncode(enc[:0], raw)
		fn(enc)
	}
}
