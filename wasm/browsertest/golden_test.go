package browsertest

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"hearth/internal/shared"
)

// goldenCase is one case of a llama.cpp golden file (../shared/golden/*.gguf.json): its
// prompt, its 32 greedy tokens, and at every step llama.cpp's two best tokens and the
// margin between their logits.
type goldenCase struct {
	ID              string  `json:"id"`
	PromptTokens    []int32 `json:"prompt_tokens"`
	GeneratedTokens []int32 `json:"generated_tokens"`
	Steps           struct {
		Top1   []int32   `json:"top1_id"`
		Top2   []int32   `json:"top2_id"`
		Margin []float64 `json:"margin"`
	} `json:"steps"`
}

func readGolden(t *testing.T, file string) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile(shared.Path(t, "golden", file))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g.Cases
}

// nearTie is the largest top-2 logit margin at which a greedy continuation may take
// llama.cpp's second-best token: the engine's default path rounds differently from
// llama.cpp's x86 kernels (F16 KV cache, other summation orders), so a near tie can go
// either way; beyond it the choice must be the same.
const nearTie = 0.1

// matchGreedy compares a free-running greedy continuation with llama.cpp's: equal token
// for token until the first step where they differ, which must be a near tie where the
// engine took llama.cpp's second-best token (after it the two sequences have different
// histories and are not compared). It returns that step, or -1 when all tokens agree.
func matchGreedy(got []int32, c goldenCase) (int, error) {
	if len(got) != len(c.GeneratedTokens) {
		return 0, fmt.Errorf("%d tokens, want %d", len(got), len(c.GeneratedTokens))
	}
	for i, tok := range got {
		if tok == c.GeneratedTokens[i] {
			continue
		}
		if tok == c.Steps.Top2[i] && c.Steps.Margin[i] < nearTie {
			return i, nil
		}
		return i, fmt.Errorf("step %d: token %d, llama.cpp %d (its second best %d, margin %.4f)", i, tok, c.GeneratedTokens[i], c.Steps.Top2[i], c.Steps.Margin[i])
	}
	return -1, nil
}
