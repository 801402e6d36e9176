package tokenizer

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"hearth/internal/shared"
)

type goldenFile struct {
	ModelFile string `json:"model_file"`
	AddBOS    bool   `json:"add_bos"`
	BOS       int32  `json:"bos_token_id"`
	NVocab    int    `json:"n_vocab"`
	Cases     []struct {
		ID              string   `json:"id"`
		Prompt          string   `json:"prompt"`
		PromptTokens    []int32  `json:"prompt_tokens"`
		PromptPiecesHex []string `json:"prompt_token_pieces_hex"`
		Generated       []int32  `json:"generated_tokens"`
		GeneratedPieces []string `json:"generated_pieces_hex"`
		GeneratedText   string   `json:"generated_text"`
		FirstEOG        *int     `json:"first_eog_index"`
	} `json:"cases"`
}

func goldenFiles(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(shared.Path(tb, "golden"), "*.gguf.json"))
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		tb.Skip("no golden files")
	}
	return files
}

// TestGolden reproduces llama.cpp's prompt_tokens for every case of every golden file
// (addSpecial=true, parseSpecial=false), the pieces it printed (special=true for the
// prompt, special=false for the generated tokens), the end-of-generation marks, and the
// generated text through the streaming detokenizer.
func TestGolden(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "%-32s %-8s %-8s %-8s %s\n", "golden", "prompts", "pieces", "stream", "eog")
	for _, path := range goldenFiles(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var g goldenFile
		if err := json.Unmarshal(raw, &g); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		name := filepath.Base(path)
		tok := loadTokenizer(t, "models", g.ModelFile)
		if tok.Len() != g.NVocab || tok.AddBOS() != g.AddBOS || (g.AddBOS && tok.BOS() != g.BOS) {
			t.Errorf("%s: n_vocab %d add_bos %v bos %d, want %d %v %d", name, tok.Len(), tok.AddBOS(), tok.BOS(), g.NVocab, g.AddBOS, g.BOS)
		}
		prompts, pieces, streams, eogs := 0, 0, 0, 0
		for _, c := range g.Cases {
			got := tok.Encode(c.Prompt, true, false)
			if equalIDs(got, c.PromptTokens) {
				prompts++
			} else {
				t.Errorf("%s %s: Encode(%q)\n got  %v\n want %v", name, c.ID, c.Prompt, got, c.PromptTokens)
			}
			ok := len(c.PromptPiecesHex) == len(c.PromptTokens) && len(c.GeneratedPieces) == len(c.Generated)
			for i, id := range c.PromptTokens {
				if i < len(c.PromptPiecesHex) && hex.EncodeToString(tok.Piece(id, true)) != c.PromptPiecesHex[i] {
					ok = false
					t.Errorf("%s %s: Piece(%d, true) = %x, want %s", name, c.ID, id, tok.Piece(id, true), c.PromptPiecesHex[i])
				}
			}
			for i, id := range c.Generated {
				if i < len(c.GeneratedPieces) && hex.EncodeToString(tok.Piece(id, false)) != c.GeneratedPieces[i] {
					ok = false
					t.Errorf("%s %s: Piece(%d, false) = %x, want %s", name, c.ID, id, tok.Piece(id, false), c.GeneratedPieces[i])
				}
			}
			if ok {
				pieces++
			}
			s := tok.NewStream(false)
			var text strings.Builder
			for _, id := range c.Generated {
				text.WriteString(s.Push(id))
			}
			text.WriteString(s.Flush())
			if text.String() == c.GeneratedText {
				streams++
			} else {
				t.Errorf("%s %s: streamed %q, want %q", name, c.ID, text.String(), c.GeneratedText)
			}
			firstEOG := -1
			for i, id := range c.Generated {
				if tok.IsEOG(id) {
					firstEOG = i
					break
				}
			}
			want := -1
			if c.FirstEOG != nil {
				want = *c.FirstEOG
			}
			if firstEOG == want {
				eogs++
			} else {
				t.Errorf("%s %s: first EOG at %d, want %d", name, c.ID, firstEOG, want)
			}
		}
		n := len(g.Cases)
		fmt.Fprintf(&table, "%-32s %d/%-6d %d/%-6d %d/%-6d %d/%d\n", name, prompts, n, pieces, n, streams, n, eogs, n)
	}
	t.Logf("golden prompts (llama.cpp):\n%s", table.String())
}
