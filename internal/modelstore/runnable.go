package modelstore

import (
	"fmt"
	"math"
	"strings"

	"hearth/engine"
	"hearth/engine/chat"
	"hearth/engine/gguf"
)

// Runnable checks that `hearth generate` can run g, so that no model is published that
// cannot: everything engine.Load does (the metadata checked against the tensors, every
// weight bound, norms finite, the tokenizer built: a known tokenizer model and
// pre-tokenizer, its tokens present and as many as the embedding's rows), the chat
// template compiled and probed within its limits (a model whose template fails would
// fall back to ChatML: refused here, so the publisher fixes or removes it), a short text
// tokenized, and one forward step whose logits are all finite (NaN weights give NaN).
func Runnable(g *gguf.File) error {
	s, err := engine.Load(g, engine.LoadOptions{ContextSize: 8})
	if err != nil {
		return err
	}
	if src, ok := g.String("tokenizer.chat_template"); ok {
		if t, _ := chat.ForModel(s.Model.Config.Arch, src); t == src {
			if _, err := chat.Parse(src); err != nil {
				return fmt.Errorf("its chat template (tokenizer.chat_template) cannot be used: %w", err)
			}
		}
	}
	toks := s.Tokenizer.Encode("Hello, world!", true, false)
	if len(toks) == 0 {
		return fmt.Errorf("its tokenizer turns text into no tokens")
	}
	st, err := s.Model.NewState(8)
	if err != nil {
		return err
	}
	logits, err := st.Forward(toks[:1], false)
	if err != nil {
		return fmt.Errorf("a forward step fails: %w", err)
	}
	for i, x := range logits {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("a forward step gives logit %d = %g: the weights hold NaN or infinite values", i, x)
		}
	}
	return nil
}

// Bounds on --shard-size, from what the loader expects (web/worker/download.js): a shard
// is fetched, verified and cached in parts of an eighth of it, 64 KiB to 4 MiB
// (PartSizeFor), so a shard smaller than one part only multiplies requests and manifest
// entries; and a shard is held whole (one ArrayBuffer when the page collects the bytes,
// one Blob in the cache, refetched whole when it is bad), so one of gigabytes is not
// expected. A model is also at most MaxShards shards.
const (
	MinShardSize = 64 << 10
	MaxShardSize = 512 << 20
	MaxShards    = 4096
)

// CheckShardSize says whether a file of fileSize bytes can be cut into shards of size bytes.
func CheckShardSize(size, fileSize int64) error {
	if size < MinShardSize || size > MaxShardSize {
		return fmt.Errorf("shard size %s is out of range: a shard is %s to %s (the browser caches a shard in parts of %s to %s)",
			human(size), human(MinShardSize), human(MaxShardSize), human(64<<10), human(4<<20))
	}
	if n := (fileSize + size - 1) / size; n > MaxShards {
		return fmt.Errorf("shard size %s cuts this %s file into %d shards, over %d: use a larger --shard-size (at least %s)",
			human(size), human(fileSize), n, MaxShards, human((fileSize+MaxShards-1)/MaxShards))
	}
	return nil
}

// human writes a byte count in binary units.
func human(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size {
			s := fmt.Sprintf("%.1f", float64(n)/float64(u.size))
			return strings.TrimSuffix(s, ".0") + " " + u.name
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
