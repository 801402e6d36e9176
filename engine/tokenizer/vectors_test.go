package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVectors runs every .inp/.out pair of shared/vocab (llama.cpp's test-tokenizer-0:
// add_special=false, parse_special=false) and prints a table of pass counts.
func TestVectors(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "%-34s %-6s %-16s %s\n", "vocab", "model", "pre", "passed")
	for _, inp := range vectorFiles(t) {
		name := filepath.Base(strings.TrimSuffix(inp, ".inp"))
		gg := strings.TrimSuffix(inp, ".inp")
		if _, err := os.Stat(gg); err != nil {
			t.Errorf("%s: vectors without a GGUF", name)
			continue
		}
		v, err := VocabFromGGUF(openGGUF(t, gg))
		var unsupported *unsupportedModelError
		if errors.As(err, &unsupported) {
			fmt.Fprintf(&table, "%-34s %-6s %-16s skipped: %v\n", name, unsupported.model, "", err)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		tok, err := New(v)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		cases := readVectors(t, inp)
		pass := 0
		for _, c := range cases {
			got := tok.Encode(c.text, false, false)
			if equalIDs(got, c.ids) {
				pass++
				continue
			}
			t.Errorf("%s: %q\n got  %v\n want %v", name, c.text, got, c.ids)
		}
		fmt.Fprintf(&table, "%-34s %-6s %-16s %d/%d\n", name, v.Model, v.Pre, pass, len(cases))
	}
	t.Logf("tokenizer test vectors:\n%s", table.String())
}
