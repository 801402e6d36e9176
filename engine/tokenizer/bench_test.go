package tokenizer

import (
	"os"
	"strings"
	"testing"

	"hearth/internal/shared"
)

// benchText is ~20 KB made of every string of the shared .inp vectors, repeated.
func benchText(b *testing.B) string {
	var all []string
	for _, inp := range vectorFiles(b) {
		raw, err := os.ReadFile(inp)
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, strings.Split(string(raw), vectorSep)...)
		break // the files hold the same strings
	}
	unit := strings.Join(all, " ")
	return strings.Repeat(unit, 20*1024/len(unit)+1)[:20*1024]
}

func BenchmarkEncode(b *testing.B) {
	shared.Dir(b)
	text := benchText(b)
	for _, c := range []struct{ name, file string }{
		{"deepseek-llm", "ggml-vocab-deepseek-llm.gguf"},
		{"llama-spm", "ggml-vocab-llama-spm.gguf"},
		{"gpt-2", "ggml-vocab-gpt-2.gguf"},
	} {
		tok := loadTokenizer(b, "vocab", c.file)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			n := 0
			for b.Loop() {
				n += len(tok.Encode(text, true, false))
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

func BenchmarkStream(b *testing.B) {
	tok := loadTokenizer(b, "vocab", "ggml-vocab-llama-spm.gguf")
	ids := tok.Encode(benchText(b), false, false)
	b.SetBytes(int64(len(tok.Decode(ids))))
	for b.Loop() {
		s := tok.NewStream(false)
		for _, id := range ids {
			s.Push(id)
		}
		s.Flush()
	}
}
