package engine

import (
	"context"
	"os"
	"testing"

	"hearth/engine/gguf"
	"hearth/engine/sample"
	"hearth/internal/shared"
)

// TestCompleteStopsAtNextText: stories260K ends its greedy "Once upon a time" story with
// BOS (its 342nd token), the start of a next story; a completion that stops at the end of
// the text stops there, and one that ignores it (stopAtEOG false) goes on.
func TestCompleteStopsAtNextText(t *testing.T) {
	raw, err := os.ReadFile(shared.Path(t, "models", "stories260K.gguf"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Open(gguf.Bytes(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(f, LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	so := sample.DefaultOptions()
	so.Temperature = 0
	prompt := s.Tokenizer.Encode("Once upon a time", true, false)
	out, st, err := s.Complete(context.Background(), prompt, 450, so, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	bos := s.Tokenizer.BOS()
	if st.StopReason != StopEOG || len(out) != 342 || out[len(out)-1] != bos {
		t.Errorf("stopAtEOG: %d tokens, stop reason %s, last %d; want 342 ending with BOS %d", len(out), st.StopReason, out[len(out)-1], bos)
	}
	out, st, err = s.Complete(context.Background(), prompt, 400, so, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if st.StopReason != StopLength || len(out) != 400 || out[341] != bos {
		t.Errorf("without stopAtEOG: %d tokens, stop reason %s; want 400 with BOS at 342", len(out), st.StopReason)
	}
}
