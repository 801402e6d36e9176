package main

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"

	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

func TestAddModelCommand(t *testing.T) {
	src := shared.Path(t, "models", "stories260K.gguf")
	static := t.TempDir()
	// Flags after the file, as the README writes them.
	if err := runAddModel([]string{src, "--id", "tiny", "--shard-size", "256KiB", "--static", static}); err != nil {
		t.Fatal(err)
	}
	m, err := modelstore.ReadManifest(static, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Shards) != 5 || m.ShardSize != 256<<10 {
		t.Errorf("%d shards of %d bytes, want 5 of 256 KiB", len(m.Shards), m.ShardSize)
	}
	// HEARTH_STATIC is the default folder; the id defaults to the file name.
	t.Setenv("HEARTH_STATIC", static)
	if err := runAddModel([]string{src}); err != nil {
		t.Fatal(err)
	}
	ix, err := modelstore.ReadIndex(static)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Models) != 2 || ix.Models[0].ID != "stories260K" || ix.Models[1].ID != "tiny" {
		t.Errorf("index %+v", ix.Models)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "exactly one FILE.gguf"},
		{[]string{src, src}, "exactly one FILE.gguf"},
		{[]string{src, "--shard-size", "lots"}, `size "lots"`},
		{[]string{filepath.Join(static, "missing.gguf")}, "missing.gguf"},
		{[]string{src, "--bogus"}, "flag provided but not defined"},
	} {
		err := runAddModel(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("add-model %q: err = %v, want %q", c.args, err, c.want)
		}
	}
}

func TestParseInterspersed(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	a := fs.String("a", "", "")
	b := fs.Bool("b", false, "")
	pos, err := parseInterspersed(fs, []string{"one", "-a", "x", "two", "-b", "--", "-three"})
	if err != nil || *a != "x" || !*b || strings.Join(pos, ",") != "one,two,-three" {
		t.Errorf("got %q %q %v %v", pos, *a, *b, err)
	}
}
