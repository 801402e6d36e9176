package tokenizer

import (
	"math/rand"
	"testing"
)

// TestCustomSplitMatchesRegex cross-checks llama.cpp's hand-written GPT-2 and Llama-3
// splitters against the general path (collapsed text + regexp2) on random strings drawn
// from an alphabet of the classes that matter.
func TestCustomSplitMatchesRegex(t *testing.T) {
	alpha := []rune("ab Z1 2'stvreSTML\n\r\t\v.,!-é中٣\u00a0\u2003\u0300\u0085🙂$+_\uFFFD\u200B")
	rng := rand.New(rand.NewSource(1))
	for _, c := range []struct {
		name   string
		custom splitter
		expr   string
	}{{"gpt2", gpt2Split{}, gpt2Regex}, {"llama3", llama3Split{}, llama3Regex}} {
		re, err := newRegexSplit(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for it := 0; it < 5000; it++ {
			rs := make([]rune, 1+rng.Intn(14))
			for i := range rs {
				rs[i] = alpha[rng.Intn(len(alpha))]
			}
			// two chunks, so that chunk edges are exercised too
			cut := rng.Intn(len(rs) + 1)
			offsets := []int{cut, len(rs) - cut}
			if cut == 0 || cut == len(rs) {
				offsets = []int{len(rs)}
			}
			st := &splitText{cpts: rs}
			a, b := c.custom.split(st, offsets), re.split(st, offsets)
			if !equalInts(a, b) {
				if bad++; bad <= 5 {
					t.Errorf("%s %q %v: custom %v, regex %v", c.name, string(rs), offsets, a, b)
				}
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCollapseRegex(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`\p{N}+`, "[\u00D10-9]+"},
		{`[^\s\p{L}\p{N}]+`, "[^\\s\u00D2A-Za-z\u00D10-9]+"},
		{`[\p{P}\$]`, "[\u00D3!-#%-*,-/:-;?-@\\[-\\]_\\{\\}\\$]"},
		{`\p{M}`, "[\u00D4]"},
		{`\p{S}`, "[\u00D5\\$\\+<->^`\\|]"},
		{`\[\p{Lu}`, "\\[[\u00D2A-Za-z]"},
	} {
		got, err := collapseRegex(c.in)
		if err != nil || got != c.want {
			t.Errorf("collapseRegex(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := collapseRegex(`\p{L}é`); err == nil {
		t.Error("collapseRegex accepted a non-ASCII regex with categories")
	}
}

func TestToRegexp2(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`\s+(?!\S)`, `[\t\n\v\f\r ]+(?![^\t\n\v\f\r ])`},
		{`[^\s\d]`, `[^\t\n\v\f\r 0-9]`},
		{`\s+$`, `[\t\n\v\f\r ]+\z`},
		{`[$]\$`, `[$]\$`},
		{`[a[]`, `[a\[]`},
		{`\\s`, `\\s`},
	} {
		got, err := toRegexp2(c.in)
		if err != nil || got != c.want {
			t.Errorf("toRegexp2(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := toRegexp2(`[\S]`); err == nil {
		t.Error(`toRegexp2 accepted \S inside brackets`)
	}
}

// TestAllPreTokenizersCompile builds every supported regex list and splits a mixed text.
func TestAllPreTokenizersCompile(t *testing.T) {
	text := "Hello, y'all! 3333 你好 🙂\n\n  Ünïcödé\ttabs  "
	for _, name := range SupportedPre() {
		cfg, err := lookupPre(name)
		if err != nil {
			t.Fatal(err)
		}
		p, err := compilePre(cfg.pre)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var all []byte
		p.words(text, func(w []byte) { all = append(all, decodeByteLevel(string(w))...) })
		if string(all) != text {
			t.Errorf("%s: pre-tokens join to %q", name, all)
		}
	}
	if _, err := lookupPre("no-such-pre"); err == nil {
		t.Error("unknown pre-tokenizer accepted")
	}
}

// TestDecodeCpts checks the llama.cpp reading of bad UTF-8.
func TestDecodeCpts(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []rune
	}{
		{"aé中🙂", []rune("aé中🙂")},
		{"\xE4\xBD", []rune{0xFFFD, 0xFFFD}},
		{"\xE4\xBDA", []rune{0xFFFD, 0xFFFD, 'A'}},
		{"\xED\xA0\x80", []rune{0xD800}}, // a surrogate decodes, as in llama.cpp
		{"\xC0\x80", []rune{0}},          // so does an overlong form
		{"\xF8\x80", []rune{0xFFFD, 0xFFFD}},
		{"\xF7\xBF\xBF\xBF", []rune{0xFFFD, 0xFFFD, 0xFFFD, 0xFFFD}}, // above U+10FFFF
	} {
		got := decodeCpts(c.in, nil)
		if string(got) != string(c.want) || len(got) != len(c.want) {
			t.Errorf("decodeCpts(%q) = %U, want %U", c.in, got, c.want)
		}
	}
	if got := appendCpt(nil, 0xD800); string(got) != "\xED\xA0\x80" {
		t.Errorf("appendCpt(U+D800) = %x", got)
	}
}

func TestCptFlags(t *testing.T) {
	for _, c := range []struct {
		r    rune
		want uint8
	}{
		{'a', flagLetter}, {'7', flagNumber}, {'!', flagPunctuation}, {'$', flagSymbol}, {' ', flagSeparator},
		{'\n', flagControl}, {'é', flagLetter}, {'中', flagLetter}, {'٣', flagNumber}, {'\u0300', flagMark},
		{'🙂', flagSymbol}, {0x10400, flagLetter}, {0x0378, flagUndefined}, {0xE000, flagControl},
		{0xD800, flagControl}, {0x10FFFF, flagUndefined}, {0x20000, flagLetter},
	} {
		if got := cptFlags(c.r); got != c.want {
			t.Errorf("cptFlags(%U) = %#x, want %#x", c.r, got, c.want)
		}
	}
}

// TestFastRegexMatchesRegexp2 cross-checks the Go-regexp path of every lookaround-free
// pre-tokenizer regex against regexp2 (a backtracking engine, as std::regex).
func TestFastRegexMatchesRegexp2(t *testing.T) {
	alpha := []rune("aZz 1٣\t\n\r\v\u3000\u00a0.!~}]µÀΩ\u1f7dＡｚ！中一가퟿ࠀ\u0300🙂$'s\uFFFD")
	alpha = append(alpha, 0xD800) // a surrogate, as llama.cpp decodes ED A0 80
	rng := rand.New(rand.NewSource(2))
	seen := map[string]bool{}
	fast := 0
	for _, name := range SupportedPre() {
		cfg, _ := lookupPre(name)
		for _, expr := range cfg.pre.exprs {
			if seen[expr] || expr == gpt2Regex || expr == llama3Regex {
				continue
			}
			seen[expr] = true
			s, err := newRegexSplit(expr)
			if err != nil {
				t.Fatal(err)
			}
			if s.fast == nil {
				continue
			}
			fast++
			slow := *s
			slow.fast = nil
			for it := 0; it < 1500; it++ {
				rs := make([]rune, 1+rng.Intn(16))
				for i := range rs {
					rs[i] = alpha[rng.Intn(len(alpha))]
				}
				cut := rng.Intn(len(rs))
				offsets := []int{len(rs)}
				if cut > 0 {
					offsets = []int{cut, len(rs) - cut}
				}
				st := &splitText{cpts: rs}
				if a, b := s.split(st, offsets), slow.split(st, offsets); !equalInts(a, b) {
					t.Errorf("%q on %q %v: regexp %v, regexp2 %v", expr, string(rs), offsets, a, b)
					break
				}
			}
		}
	}
	if fast < 8 {
		t.Errorf("only %d regexes on the fast path", fast)
	}
}
