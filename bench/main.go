// Command bench measures Hearth and llama.cpp's wasm build (npm @wllama/wllama) in
// headless Chromium on the same GGUF files: load seconds (fetch + init), prefill tokens/s
// on a 64-token prompt, decode tokens/s for 64 tokens, and wasm memory, at 1 and 2
// threads, median of -n runs. It builds Hearth's bundle into a temporary folder, adds the
// models, serves everything on loopback cross-origin isolated (COOP + COEP, so threads can
// start), prints a table and writes bench/results.json. Run it with ./build.sh bench (which
// installs wllama and Chromium first) or go run ./bench from the repository root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"hearth/internal/shared"
)

func logf(format string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...) }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	root := shared.RepoRoot()
	if root == "" {
		return fmt.Errorf("run from inside the repository (no go.mod found above %s)", mustWd())
	}
	n := flag.Int("n", 3, "runs per engine × model × threads (the median is reported)")
	engines := flag.String("engines", "hearth,wllama", "engines to measure")
	types := flag.String("types", "Q8_0,Q4_K_M", "file types of the smollm2-135m-shaped random-weight models")
	stories := flag.Bool("stories", true, "also run stories260K from the shared test data when present")
	threadList := flag.String("threads", "1,2", "thread counts")
	promptN := flag.Int("prompt", 64, "prompt tokens")
	decodeN := flag.Int("decode", 64, "decoded tokens")
	ctxN := flag.Int("ctx", 1024, "context size given to both engines")
	out := flag.String("out", filepath.Join(root, "bench", "results.json"), "results file")
	wllama := flag.String("wllama", filepath.Join(root, "bench", "node_modules", "@wllama", "wllama"), "the @wllama/wllama package folder")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium binary")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "hearth-bench-models"), "folder for the synthesized models (kept between runs)")
	limit := flag.Duration("limit", 5*time.Minute, "time limit of one run")
	flag.Parse()

	if *n < 1 || *promptN < 1 || *decodeN < 1 {
		return fmt.Errorf("-n, -prompt and -decode must be positive")
	}
	threads, err := parseInts(*threadList)
	if err != nil {
		return fmt.Errorf("-threads: %w", err)
	}
	engs := strings.Split(*engines, ",")
	for _, e := range engs {
		if e != "hearth" && e != "wllama" {
			return fmt.Errorf("-engines: unknown engine %q (hearth, wllama)", e)
		}
		if e == "wllama" {
			if _, err := os.Stat(filepath.Join(*wllama, "esm", "wasm", "wllama.wasm")); err != nil {
				return fmt.Errorf("wllama not installed in %s: npm install --prefix bench (./build.sh bench does it)", *wllama)
			}
		}
	}
	var typeList []string
	if *types != "" {
		typeList = strings.Split(*types, ",")
	}
	models, err := prepareModels(*cache, typeList, *stories)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return fmt.Errorf("no models to run")
	}

	dir, err := os.MkdirTemp("", "hearth-bench-static-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := buildBundle(root, dir, models); err != nil {
		return err
	}
	page, err := benchPage(dir)
	if err != nil {
		return err
	}
	st := &site{Static: dir, Wllama: *wllama, GGUF: map[string]string{}, Page: page, Script: benchJS}
	for _, m := range models {
		st.GGUF[m.Name+".gguf"] = m.Path
	}
	base, stop, err := serve(st.handler())
	if err != nil {
		return err
	}
	defer stop()
	logf("serving %s on %s (COOP same-origin, COEP require-corp)", dir, base)

	ctx, closeBrowser, err := browser(*chromium)
	if err != nil {
		return err
	}
	defer closeBrowser()

	var results []Result
	var skipped []Skipped
	failed := 0
	for _, m := range models {
		pr, err := fitPrompt(m.Path, *promptN)
		if err != nil {
			return err
		}
		for _, th := range threads {
			for _, eng := range engs {
				args := map[string]any{"threads": th, "prompt": pr.Tokens, "text": pr.Text, "decode": *decodeN, "contextSize": *ctxN}
				fn := "benchHearth"
				if eng == "hearth" {
					args["model"] = m.Name
				} else {
					fn = "benchWllama"
					args["url"] = "gguf/" + m.Name + ".gguf"
				}
				var runs []*runResult
				for i := 0; i < *n; i++ {
					r, err := runOnce(ctx, base, fn, args, *limit)
					if err != nil {
						logf("%s %s threads=%d run %d: %v", eng, m.Name, th, i+1, err)
						skipped = append(skipped, Skipped{eng, m.Name, th, "error: " + firstLine(err.Error())})
						failed++
						runs = nil
						break
					}
					if !r.Available {
						skipped = append(skipped, Skipped{eng, m.Name, th, "unavailable: " + r.Reason})
						runs = nil
						break
					}
					logf("%s %s threads=%d run %d: load %.2fs prefill %.1f tok/s decode %.1f tok/s memory %.1f MiB",
						eng, m.Name, th, i+1, r.LoadS, r.PrefillTPS, r.DecodeTPS, r.MemoryBytes/(1<<20))
					runs = append(runs, r)
				}
				if len(runs) > 0 {
					results = append(results, summarize(eng, m.Name, th, runs))
				}
			}
		}
	}
	fmt.Printf("\nBrowser benchmark: %d-token prompt, %d decoded tokens, greedy, context %d, median of %d runs, headless Chromium\n\n",
		*promptN, *decodeN, *ctxN, *n)
	printTable(os.Stdout, results, skipped)
	if err := writeJSON(*out, results); err != nil {
		return err
	}
	logf("wrote %s", *out)
	if failed > 0 {
		return fmt.Errorf("%d engine × model × threads combinations failed (see above)", failed)
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func mustWd() string {
	wd, _ := os.Getwd()
	return wd
}
