package engine

import (
	"bytes"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"hearth/engine/gguf"
	"hearth/engine/grammar"
	"hearth/engine/jsonschema"
	"hearth/engine/synth"
)

var (
	smolOnce, vocabOnce sync.Once
	smol, smolVocab     *Session
	smolErr, vocabErr   error
)

// smolSession is engine/synth's SmolLM2-135M shape (49,152-token byte-level BPE vocab) in
// Q8_0, built once per test binary.
func smolSession(b *testing.B) *Session {
	smolOnce.Do(func() { smol, smolErr = buildSmol(30) })
	if smolErr != nil {
		b.Fatal(smolErr)
	}
	return smol
}

// smolTokenizer is the same vocabulary (synth draws it before the weights) on one layer:
// the mask benchmarks need only the tokenizer, and build fast under Node too.
func smolTokenizer(b *testing.B) *Session {
	vocabOnce.Do(func() { smolVocab, vocabErr = buildSmol(1) })
	if vocabErr != nil {
		b.Fatal(vocabErr)
	}
	return smolVocab
}

func buildSmol(layers int) (*Session, error) {
	var smol *Session
	var smolErr error
	func() {
		sh := synth.Shapes["smollm2-135m"]
		sh.NCtx = 4096
		sh.NLayer = layers
		w, err := synth.Build(synth.Options{Shape: sh, Type: "Q8_0", Seed: 3})
		if err != nil {
			smolErr = err
			return
		}
		var buf bytes.Buffer
		if _, err := w.WriteTo(&buf); err != nil {
			smolErr = err
			return
		}
		f, err := gguf.Open(gguf.Bytes(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			smolErr = err
			return
		}
		smol, smolErr = Load(f, LoadOptions{})
	}()
	return smol, smolErr
}

// longJSON is an open-ended list of records: it never has to end, so a run can go on for
// thousands of tokens at the same nesting.
const longJSON = `{"type":"array","items":{"type":"object","properties":{"id":{"type":"integer","minimum":0},"name":{"type":"string","maxLength":24},"tags":{"type":"array","items":{"enum":["red","green","blue"]},"maxItems":3},"score":{"type":"number","minimum":0,"maximum":100}},"required":["id","name","tags"]}}`

// BenchmarkDecodeStep is one token through the SmolLM2-135M shape: the cost a mask is
// measured against.
func BenchmarkDecodeStep(b *testing.B) {
	s := smolSession(b)
	s.Reset()
	if _, err := s.state.Forward([]int32{1, 2, 3, 4}, false); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s.state.Pos >= s.state.NCtx-1 {
			s.state.Truncate(4)
		}
		if _, err := s.state.Forward([]int32{int32(i % 1000)}, false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGrammarMask masks the 49,152-token vocabulary: cold (a state seen for the first
// time: the trie walk over the automaton, in the worst states — inside a string, where
// most tokens are allowed, and before a key), warm (a state seen before: its cached
// bitset applied to the logits), and Allows (the one-token check SampleConstrained tries
// first).
func BenchmarkGrammarMask(b *testing.B) {
	s := smolTokenizer(b)
	g, err := jsonschema.Compile([]byte(longJSON))
	if err != nil {
		b.Fatal(err)
	}
	v := grammar.FromTokenizer(s.Tokenizer)
	logits := make([]float32, v.Len())
	for _, c := range []struct{ name, prefix string }{{"in-string", `[{"id": 1, "name": "ab`}, {"before-key", `[{"id": 1, `}} {
		b.Run("cold-"+c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m := grammar.Bind(g, v).NewMatcher()
				if err := m.AcceptBytes([]byte(c.prefix)); err != nil {
					b.Fatal(err)
				}
				m.Mask(logits)
			}
		})
		b.Run("warm-"+c.name, func(b *testing.B) {
			m := grammar.Bind(g, v).NewMatcher()
			if err := m.AcceptBytes([]byte(c.prefix)); err != nil {
				b.Fatal(err)
			}
			m.Mask(logits)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Mask(logits)
			}
		})
	}
	b.Run("allows", func(b *testing.B) {
		m := grammar.Bind(g, v).NewMatcher()
		if err := m.AcceptBytes([]byte(`[{"id": 1, "name": "ab`)); err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			m.Allows(int32(i % v.Len()))
		}
	})
}

// BenchmarkGrammarLongJSON generates 2,000 tokens of JSON under the schema (each step: a
// full mask, a random allowed token, Accept) and reports the cost per token over the first
// and the last 500: it must not grow with the output.
func BenchmarkGrammarLongJSON(b *testing.B) {
	s := smolTokenizer(b)
	g, err := jsonschema.Compile([]byte(longJSON))
	if err != nil {
		b.Fatal(err)
	}
	v := grammar.FromTokenizer(s.Tokenizer)
	logits := make([]float32, v.Len())
	var first, last time.Duration
	for i := 0; i < b.N; i++ {
		m := grammar.Bind(g, v).NewMatcher()
		r := rand.New(rand.NewPCG(uint64(i), 9))
		var allowed []int32
		for n := 0; n < 2000; n++ {
			t0 := time.Now()
			for j := range logits {
				logits[j] = 0
			}
			m.Mask(logits)
			allowed = allowed[:0]
			for tok, l := range logits {
				if l == 0 && !s.Tokenizer.IsEOG(int32(tok)) {
					allowed = append(allowed, int32(tok))
				}
			}
			for {
				tok := allowed[r.IntN(len(allowed))]
				next := *m // a matcher is its state: a copy tries a token
				if err := next.Accept(tok); err != nil {
					b.Fatal(err)
				}
				if next.CanEnd() { // keep the list open
					continue
				}
				*m = next
				break
			}
			d := time.Since(t0)
			if n < 500 {
				first += d
			} else if n >= 1500 {
				last += d
			}
		}
	}
	b.ReportMetric(float64(first.Microseconds())/float64(500*b.N), "us/token-first500")
	b.ReportMetric(float64(last.Microseconds())/float64(500*b.N), "us/token-last500")
}
