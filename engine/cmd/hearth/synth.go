package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"

	"hearth/engine/synth"
)

func init() {
	register("synth", "write a random-weight model of a real shape: --shape smollm2-135m --type Q8_0 -o out.gguf", runSynth)
}

func runSynth(args []string) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	arch := fs.String("arch", "", "architecture (llama|qwen2|qwen3); must agree with --shape when given")
	shape := fs.String("shape", "tiny", "shape: "+strings.Join(synth.ShapeNames(), "|"))
	typ := fs.String("type", "Q8_0", "file type: F32|F16|Q8_0|Q4_0|Q4_K_M")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("o", "", "output file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, ok := synth.Shapes[*shape]
	if !ok {
		return fmt.Errorf("unknown shape %q (supported: %s)", *shape, strings.Join(synth.ShapeNames(), ", "))
	}
	if *arch != "" && *arch != s.Arch {
		if *shape != "tiny" {
			return fmt.Errorf("shape %s is a %s model, not %s", *shape, s.Arch, *arch)
		}
		s.Arch = *arch
		s.QKVBias = *arch == "qwen2"
		s.QKNorm = *arch == "qwen3"
	}
	if *out == "" {
		return fmt.Errorf("no output file: pass -o FILE.gguf")
	}
	w, err := synth.Build(synth.Options{Shape: s, Type: *typ, Seed: *seed})
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	n, err := w.WriteTo(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %s %s, %.1f MB\n", *out, *shape, *typ, float64(n)/1e6)
	return nil
}
