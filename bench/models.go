package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"hearth/engine"
	"hearth/engine/gguf"
	"hearth/engine/model"
	"hearth/engine/synth"
	"hearth/engine/tokenizer"
	"hearth/internal/shared"
)

// benchModel is one GGUF file every engine runs.
type benchModel struct {
	Name string // row label and Hearth model id
	Path string // the GGUF file
	Size int64  // its size in bytes
	// CtxTrain is the model's training context (n_ctx_train); the context given to the
	// engines is -ctx or this, whichever is smaller (Hearth clamps to it anyway).
	CtxTrain int
	kvPerTok int64 // KV cache elements per token (K and V, all layers)
}

// open reads the size and the config of the model's file.
func (m *benchModel) open() error {
	f, err := os.Open(m.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	g, err := gguf.Open(f, st.Size())
	if err != nil {
		return fmt.Errorf("%s: %w", m.Path, err)
	}
	c, err := model.ReadConfig(g)
	if err != nil {
		return fmt.Errorf("%s: %w", m.Path, err)
	}
	m.Size, m.CtxTrain = st.Size(), c.NCtxTrain
	m.kvPerTok = int64(c.NLayer) * int64(c.NHeadKV*c.HeadDim+c.NHeadKV*c.HeadDimV)
	return nil
}

// context is the context size the engines get for this model.
func (m *benchModel) context(ctx int) int {
	if m.CtxTrain > 0 && m.CtxTrain < ctx {
		return m.CtxTrain
	}
	return ctx
}

// kvBytes estimates the KV cache of a context of nCtx tokens at elem bytes per value
// (llama.cpp keeps it in F16 by default).
func (m *benchModel) kvBytes(nCtx int, elem int64) int64 { return int64(nCtx) * m.kvPerTok * elem }

// hearthKVBytes is Hearth's own estimate of its KV cache at a context of nCtx tokens
// (engine.MemoryNeeded, so it follows the engine's default KV type).
func (m *benchModel) hearthKVBytes(nCtx int) (int64, error) {
	f, err := os.Open(m.Path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	g, err := gguf.Open(f, m.Size)
	if err != nil {
		return 0, err
	}
	need, err := engine.MemoryNeeded(g, nCtx)
	if err != nil {
		return 0, err
	}
	return need.KVCache, nil
}

// fits says whether a run with prompt p fits the model's training context: the decode
// prompt with the decoded tokens after it, any other prompt with the one token a prefill
// run samples.
func (m *benchModel) fits(p, decodePrompt, decode int) bool {
	need := p + 1
	if p == decodePrompt {
		need = p + decode
	}
	return m.CtxTrain <= 0 || need <= m.CtxTrain
}

// prepareModels returns the benchmark models: random weights of engine/synth's shape in each
// of types (written once into cacheDir by engine/synth and reused), then stories260K from
// the shared test data when it is there.
func prepareModels(cacheDir, shape string, types []string, withStories bool) ([]benchModel, error) {
	s, ok := synth.Shapes[shape]
	if !ok {
		return nil, fmt.Errorf("-shape %q: engine/synth has no such shape", shape)
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, err
	}
	var out []benchModel
	for _, typ := range types {
		name := shape + "-" + typ
		path := filepath.Join(cacheDir, name+".gguf")
		if _, err := os.Stat(path); err != nil {
			logf("synthesizing %s (hearth synth --shape %s --type %s)", path, shape, typ)
			if err := writeSynth(path, s, typ); err != nil {
				return nil, fmt.Errorf("synth %s: %w", name, err)
			}
		}
		out = append(out, benchModel{Name: name, Path: path})
	}
	if withStories {
		if d := shared.Find(); d != "" {
			p := filepath.Join(d, "models", "stories260K.gguf")
			if _, err := os.Stat(p); err == nil {
				out = append(out, benchModel{Name: "stories260K", Path: p})
			} else {
				logf("no %s: stories260K skipped", p)
			}
		} else {
			logf("no shared test data (../shared or $HEARTH_TESTDATA): stories260K skipped")
		}
	}
	for i := range out {
		if err := out[i].open(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// writeSynth writes shape s in file type typ to path (atomically).
func writeSynth(path string, s synth.Shape, typ string) error {
	w, err := synth.Build(synth.Options{Shape: s, Type: typ, Seed: 1})
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	_, err = w.WriteTo(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// passage is the prompt's source text; fitPrompt takes the prefix of it (repeated when
// needed) that tokenizes to exactly the prompt length.
const passage = "Once upon a time, in a small village at the edge of a great forest, there lived a girl " +
	"named Lily who loved to walk among the tall trees and listen to the birds. One morning she found " +
	"a little fox hiding under a bush, cold and hungry, and she shared her bread with it. The fox " +
	"followed her home, and from that day on the two friends explored the woods together, finding " +
	"hidden streams, old stones covered in moss, and a meadow full of yellow flowers. "

// prompt is the benchmark prompt for one model: Text for wllama (whose createCompletion
// takes text only, tokenized by llama.cpp with BOS) and Tokens, the same text tokenized by
// Hearth's llama.cpp-conformant tokenizer, for Hearth.
type prompt struct {
	Text   string
	Tokens []int32
}

// fitPrompt finds the shortest prefix of the passage (repeated as often as n needs) that tokenizes (with the special
// tokens llama-server adds) to exactly n tokens for the model at path.
func fitPrompt(path string, n int) (*prompt, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	g, err := gguf.Open(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tok, err := tokenizer.FromGGUF(g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	src := passage
	for len(tok.Encode(src, true, true)) < n+8 {
		src += passage
	}
	// The token count grows with the prefix (all but monotonically), so a binary search
	// finds where it reaches n-8 and the scan for the exact length starts there rather than
	// encoding every prefix of a 512-token text.
	start := sort.Search(len(src), func(end int) bool { return len(tok.Encode(src[:end], true, true)) >= n-8 })
	for end := max(1, start); end <= len(src); end++ {
		text := src[:end]
		if ids := tok.Encode(text, true, true); len(ids) == n {
			return &prompt{Text: text, Tokens: ids}, nil
		} else if len(ids) > n+4 {
			break
		}
	}
	return nil, fmt.Errorf("%s: no prefix of the passage tokenizes to exactly %d tokens", path, n)
}
