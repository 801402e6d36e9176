package tokenizer

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"hearth/engine/gguf"
	"hearth/internal/shared"
)

func openGGUF(tb testing.TB, path string) *gguf.File {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(data), int64(len(data)))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return f
}

var (
	tokCacheMu sync.Mutex
	tokCache   = map[string]*Tokenizer{}
)

// loadTokenizer builds (once per test binary) the tokenizer of a shared GGUF file.
func loadTokenizer(tb testing.TB, elem ...string) *Tokenizer {
	tb.Helper()
	path := shared.Path(tb, elem...)
	tokCacheMu.Lock()
	defer tokCacheMu.Unlock()
	if t, ok := tokCache[path]; ok {
		return t
	}
	t, err := FromGGUF(openGGUF(tb, path))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	tokCache[path] = t
	return t
}

// vectorCase is one test of llama.cpp's tokenizer test vectors.
type vectorCase struct {
	text string
	ids  []int32
}

const vectorSep = "\n__ggml_vocab_test__\n"

// readVectors parses NAME.gguf.inp / .out as llama.cpp's test-tokenizer-0 does.
func readVectors(tb testing.TB, inp string) []vectorCase {
	tb.Helper()
	in, err := os.ReadFile(inp)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := os.ReadFile(strings.TrimSuffix(inp, ".inp") + ".out")
	if err != nil {
		tb.Fatal(err)
	}
	texts := strings.Split(string(in), vectorSep)
	if texts[len(texts)-1] == "" {
		texts = texts[:len(texts)-1] // the file ends with the separator
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		tb.Fatalf("%s: %d tests but %d result lines", inp, len(texts), len(lines))
	}
	cases := make([]vectorCase, len(texts))
	for i, s := range texts {
		cases[i].text = s
		for _, f := range strings.Fields(lines[i]) {
			var id int64
			for _, c := range f {
				if c < '0' || c > '9' {
					tb.Fatalf("%s line %d: bad id %q", inp, i+1, f)
				}
				id = id*10 + int64(c-'0')
			}
			cases[i].ids = append(cases[i].ids, int32(id))
		}
	}
	return cases
}

// vectorFiles lists the .inp files next to a GGUF in shared/vocab, sorted.
func vectorFiles(tb testing.TB) []string {
	tb.Helper()
	dir := shared.Path(tb, "vocab")
	files, err := filepath.Glob(filepath.Join(dir, "*.gguf.inp"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		tb.Skipf("no *.gguf.inp in %s", dir)
	}
	return files
}

func equalIDs(a, b []int32) bool {
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
