// Command bench measures Hearth, llama.cpp's wasm build (npm @wllama/wllama) in headless
// Chromium, and native llama.cpp (llama-bench from the shared test data) on the same GGUF
// files: load seconds (fetch + init), prefill tokens/s at each prompt length (64 and 512
// tokens), decode tokens/s for 64 tokens after the 64-token prompt, and the peak RSS of
// the renderer (browser engines: a fresh Chromium per run, VmHWM from /proc) or of the
// llama-bench process, at 1, 2 and 4 threads (those the machine has cores for), median of
// -n runs. Native runs first, alone. Then it builds Hearth's bundle into a temporary
// folder, adds the models, serves everything on loopback cross-origin isolated (COOP +
// COEP, so threads can start), prints a table and Hearth's ratios to the others, and
// writes bench/results.json. Run it with ./build.sh bench (which installs wllama and
// Chromium first) or go run ./bench from the repository root.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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

var knownEngines = []string{nativeEngine, "hearth", "wllama"}

func run() error {
	root := shared.RepoRoot()
	if root == "" {
		return fmt.Errorf("run from inside the repository (no go.mod found above %s)", mustWd())
	}
	n := flag.Int("n", 3, "runs per engine × model × threads × prompt (the median is reported); llama-bench -r")
	engines := flag.String("engines", strings.Join(knownEngines, ","), "engines to measure")
	types := flag.String("types", "Q8_0,Q4_K_M,Q4_0", "file types of the random-weight models")
	shape := flag.String("shape", "smollm2-135m", "their shape (engine/synth's: smollm2-135m, qwen2.5-0.5b, qwen3-0.6b, tiny)")
	stories := flag.Bool("stories", true, "also run stories260K from the shared test data when present")
	threadList := flag.String("threads", "1,2,4", "thread counts (those above the machine's CPU count are skipped)")
	promptList := flag.String("prompts", "64,512", "prompt lengths in tokens; decode is measured after the shortest")
	decodeN := flag.Int("decode", 64, "decoded tokens")
	ctxN := flag.Int("ctx", 1024, "context size given to the browser engines (at most the model's training context)")
	out := flag.String("out", filepath.Join(root, "bench", "results.json"), "results file")
	wllama := flag.String("wllama", filepath.Join(root, "bench", "node_modules", "@wllama", "wllama"), "the @wllama/wllama package folder")
	chromium := flag.String("chromium", "/usr/bin/chromium", "Chromium binary")
	llamaBenchPath := flag.String("llama-bench", "", "native llama-bench binary (default: bin/llama-bench in the shared test data)")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "hearth-bench-models"), "folder for the synthesized models (kept between runs)")
	warmup := flag.Bool("warmup", true, "two warm-up completions (prompts of up to 64 tokens, 32 decoded) before each measured browser run, so the measured one runs V8's optimized code (llama-bench warms up too); false: measure a fresh page's first call")
	limit := flag.Duration("limit", 5*time.Minute, "time limit of one run")
	flag.Parse()

	if *n < 1 || *decodeN < 1 {
		return fmt.Errorf("-n and -decode must be positive")
	}
	threadsAsked, err := parseInts(*threadList)
	if err != nil {
		return fmt.Errorf("-threads: %w", err)
	}
	prompts, err := parseInts(*promptList)
	if err != nil {
		return fmt.Errorf("-prompts: %w", err)
	}
	slices.Sort(prompts)
	prompts = slices.Compact(prompts)
	decodePrompt := prompts[0]
	if need := max(prompts[len(prompts)-1]+1, decodePrompt+*decodeN); *ctxN < need {
		return fmt.Errorf("-ctx %d is too small: the runs need %d (prompt + decoded tokens)", *ctxN, need)
	}
	engs := strings.Split(*engines, ",")
	for _, e := range engs {
		if !slices.Contains(knownEngines, e) {
			return fmt.Errorf("-engines: unknown engine %q (%s)", e, strings.Join(knownEngines, ", "))
		}
		if e == "wllama" {
			if _, err := os.Stat(filepath.Join(*wllama, "esm", "wasm", "wllama.wasm")); err != nil {
				return fmt.Errorf("wllama not installed in %s: npm install --prefix bench (./build.sh bench does it)", *wllama)
			}
		}
	}
	rep := &Report{CPUs: runtime.NumCPU(), Runs: *n, Warmup: *warmup, Decode: *decodeN, Context: *ctxN, Prompts: prompts}
	for _, t := range threadsAsked {
		if t > rep.CPUs {
			logf("threads=%d skipped: this machine has %d CPUs", t, rep.CPUs)
			rep.Skipped = append(rep.Skipped, Skipped{Engine: "all", Threads: t, Reason: fmt.Sprintf("the machine has %d CPUs", rep.CPUs)})
			continue
		}
		rep.Threads = append(rep.Threads, t)
	}
	if len(rep.Threads) == 0 {
		return fmt.Errorf("no thread count of -threads %s fits this machine's %d CPUs", *threadList, rep.CPUs)
	}
	var typeList []string
	if *types != "" {
		typeList = strings.Split(*types, ",")
	}
	models, err := prepareModels(*cache, *shape, typeList, *stories)
	if err != nil {
		return err
	}
	if len(models) == 0 {
		return fmt.Errorf("no models to run")
	}
	for _, m := range models {
		for _, p := range prompts {
			if !m.fits(p, decodePrompt, *decodeN) {
				logf("%s prompt=%d skipped: it does not fit the model's training context of %d", m.Name, p, m.CtxTrain)
				rep.Skipped = append(rep.Skipped, Skipped{Engine: "all", Model: m.Name, Prompt: p,
					Reason: fmt.Sprintf("does not fit the training context %d", m.CtxTrain)})
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		rep.Load = strings.TrimSpace(string(b))
		if f := strings.Fields(rep.Load); len(f) > 0 {
			if l, err := strconv.ParseFloat(f[0], 64); err == nil && l > 0.5 {
				logf("note: load average %s on %d CPUs: other work on the cores slows every engine and lengthens the run, 2-thread runs most (native llama.cpp's OpenMP threads spin, so it suffers most)", f[0], rep.CPUs)
			}
		}
	}
	start := time.Now()

	// Native first, alone: no Chromium is running yet.
	if slices.Contains(engs, nativeEngine) {
		runNative(rep, root, *llamaBenchPath, models, prompts, decodePrompt, *decodeN, *n)
	}

	var browserEngs []string
	for _, e := range engs {
		if e != nativeEngine {
			browserEngs = append(browserEngs, e)
		}
	}
	failed := 0
	if len(browserEngs) > 0 {
		failed, err = runBrowser(rep, root, *chromium, *wllama, models, browserEngs, prompts, decodePrompt, *decodeN, *ctxN, *n, *limit)
		if err != nil {
			return err
		}
	}

	rep.finish(models, knownEngines)
	fmt.Printf("\nBenchmark: prompts %s tokens, %d decoded tokens after the %d-token prompt, greedy, context %d (browser engines), median of %d runs, %d CPUs, %s\n\n",
		*promptList, *decodeN, decodePrompt, *ctxN, *n, rep.CPUs, time.Since(start).Round(time.Second))
	printTable(os.Stdout, rep)
	if err := writeJSON(*out, rep); err != nil {
		return err
	}
	logf("wrote %s", *out)
	if failed > 0 {
		return fmt.Errorf("%d engine × model × threads × prompt combinations failed (see above)", failed)
	}
	return nil
}

// runNative measures every model with llama-bench, or notes why it cannot (absent, or not
// runnable on this CPU): a missing native anchor is not an error.
func runNative(rep *Report, root, flagPath string, models []benchModel, prompts []int, decodePrompt, decode, runs int) {
	bin := findLlamaBench(root, flagPath)
	if bin == "" {
		logf("native llama.cpp skipped: no llama-bench (-llama-bench %q, or bin/llama-bench in the shared test data: ../shared or $HEARTH_TESTDATA)", flagPath)
		rep.Skipped = append(rep.Skipped, Skipped{Engine: nativeEngine, Reason: "no llama-bench binary"})
		return
	}
	for i := range models {
		m := &models[i]
		logf("native: %s -m %s -p %s (+ decode -n %d -d %d) -t %s -r %d", bin, m.Path, intsString(prompts), decode, decodePrompt, intsString(rep.Threads), runs)
		rows, err := nativeRows(bin, m, rep.Threads, prompts, decodePrompt, decode, runs)
		if err != nil {
			logf("native %s skipped: %v", m.Name, err)
			rep.Skipped = append(rep.Skipped, Skipped{Engine: nativeEngine, Model: m.Name, Reason: firstLine(err.Error())})
			if errors.Is(err, errCPU) {
				rep.Skipped[len(rep.Skipped)-1].Model = ""
				return
			}
			continue
		}
		for _, r := range rows {
			logf("native %s threads=%d prompt=%d: prefill %.1f tok/s%s peak RSS %.1f MiB",
				r.Model, r.Threads, r.Prompt, r.PrefillTPS, decodeNote(r.Decode, r.DecodeTPS), float64(r.RSSBytes)/mib)
		}
		rep.Rows = append(rep.Rows, rows...)
	}
}

// runBrowser builds and serves the bundle, measures the empty page's renderer RSS once,
// then runs each model × threads × prompt × engine -n times, each run in a fresh
// Chromium. It returns how many combinations failed.
func runBrowser(rep *Report, root, chromium, wllama string, models []benchModel, engs []string, prompts []int, decodePrompt, decode, ctxN, n int, limit time.Duration) (int, error) {
	// The prompts first: a prompt that cannot be fitted is an error before anything runs.
	type pkey struct {
		model  string
		prompt int
	}
	fitted := map[pkey]*prompt{}
	for _, m := range models {
		for _, p := range prompts {
			if !m.fits(p, decodePrompt, decode) {
				continue
			}
			pr, err := fitPrompt(m.Path, p)
			if err != nil {
				return 0, err
			}
			fitted[pkey{m.Name, p}] = pr
		}
	}

	dir, err := os.MkdirTemp("", "hearth-bench-static-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if err := buildBundle(root, dir, models); err != nil {
		return 0, err
	}
	page, err := benchPage(dir)
	if err != nil {
		return 0, err
	}
	st := &site{Static: dir, Wllama: wllama, GGUF: map[string]string{}, Page: page, Script: benchJS}
	for _, m := range models {
		st.GGUF[m.Name+".gguf"] = m.Path
	}
	base, stop, err := serve(st.handler())
	if err != nil {
		return 0, err
	}
	defer stop()
	logf("serving %s on %s (COOP same-origin, COEP require-corp)", dir, base)

	empty, err := runOnce(chromium, base, "", nil, limit)
	if err != nil {
		return 0, fmt.Errorf("empty page: %w", err)
	}
	rep.EmptyPageRSSBytes = empty.RSSBytes
	logf("empty bench page: renderer peak RSS %.1f MiB (renderers: %s)", float64(empty.RSSBytes)/mib, empty.Renderers)

	failed := 0
	for _, m := range models {
		ctx := m.context(ctxN)
		hearthKV, err := m.hearthKVBytes(ctx)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", m.Name, err)
		}
		for _, th := range rep.Threads {
			for _, p := range prompts {
				pr := fitted[pkey{m.Name, p}]
				if pr == nil {
					continue
				}
				dec := 0
				if p == decodePrompt {
					dec = decode
				}
				for _, eng := range engs {
					args := map[string]any{"threads": th, "prompt": pr.Tokens, "text": pr.Text, "decode": dec, "contextSize": ctx, "warmup": rep.Warmup}
					fn, kv := "benchHearth", hearthKV
					if eng == "hearth" {
						args["model"] = m.Name
					} else {
						fn, kv = "benchWllama", m.kvBytes(ctx, 2) // llama.cpp's default F16
						args["url"] = "gguf/" + m.Name + ".gguf"
					}
					var runs []*runResult
					for i := 0; i < n; i++ {
						r, err := runOnce(chromium, base, fn, args, limit)
						if err != nil {
							logf("%s %s threads=%d prompt=%d run %d: %v", eng, m.Name, th, p, i+1, err)
							rep.Skipped = append(rep.Skipped, Skipped{eng, m.Name, th, p, "error: " + firstLine(err.Error())})
							failed++
							runs = nil
							break
						}
						if !r.Available {
							rep.Skipped = append(rep.Skipped, Skipped{eng, m.Name, th, p, "unavailable: " + r.Reason})
							runs = nil
							break
						}
						logf("%s %s threads=%d prompt=%d run %d: load %.2fs prefill %.1f tok/s%s renderer peak RSS %.1f MiB (renderers: %s) wasm %.1f MiB",
							eng, m.Name, th, p, i+1, r.LoadS, r.PrefillTPS, decodeNote(dec, r.DecodeTPS), float64(r.RSSBytes)/mib, r.Renderers, r.WasmMemoryBytes/mib)
						runs = append(runs, r)
					}
					if len(runs) > 0 {
						rep.Rows = append(rep.Rows, summarize(Result{Engine: eng, Model: m.Name, Threads: th, Prompt: p, Decode: dec,
							Context: ctx, FileBytes: m.Size, KVBytes: kv}, runs))
					}
				}
			}
		}
	}
	return failed, nil
}

// decodeNote is the decode part of a progress line ("" in a prefill-only run).
func decodeNote(decode int, tps float64) string {
	if decode == 0 {
		return ""
	}
	return fmt.Sprintf(" decode %.1f tok/s", tps)
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

func intsString(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
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
