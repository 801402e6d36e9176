// Command bench measures Hearth, llama.cpp's wasm build (npm @wllama/wllama) in headless
// Chromium, and native llama.cpp (llama-bench from the shared test data) on the same GGUF
// files: load seconds (fetch + init), prefill tokens/s at each prompt length (64 and 512
// tokens), decode tokens/s for 64 tokens after the 64-token prompt, and the peak RSS of
// the renderer (browser engines: a fresh Chromium per run, VmHWM from /proc) or of the
// llama-bench process, at 1, 2 and 4 threads (those the machine has cores for), median of
// -n interleaved rounds (each round: per model and thread count, native llama.cpp alone,
// then each browser engine once). It builds Hearth's bundle into a temporary folder, adds
// the models, serves everything on loopback cross-origin isolated (COOP + COEP, so
// threads can start), prints a table and Hearth's ratios to the others, and
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

var knownEngines = []string{nativeEngine, "hearth", rawEngine, "wllama"}

// rawEngine is Hearth loading the raw .gguf URL (download.js's Range pieces, as a user who
// pastes a file's URL loads it) where "hearth" loads the bundle's manifest of sha256-checked
// shards. It runs only at the first thread count with the decode prompt: its row is there
// for the load time, the same file and server as wllama's.
const rawEngine = "hearth-raw"

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

	var browserEngs []string
	for _, e := range engs {
		if e != nativeEngine {
			browserEngs = append(browserEngs, e)
		}
	}
	nativeBin := ""
	if slices.Contains(engs, nativeEngine) {
		nativeBin = findLlamaBench(root, *llamaBenchPath)
		if nativeBin == "" {
			logf("native llama.cpp skipped: no llama-bench (-llama-bench %q, or bin/llama-bench in the shared test data: ../shared or $HEARTH_TESTDATA)", *llamaBenchPath)
			rep.Skipped = append(rep.Skipped, Skipped{Engine: nativeEngine, Reason: "no llama-bench binary"})
		}
	}
	var b *browserBench
	if len(browserEngs) > 0 {
		b, err = startBrowser(root, *chromium, *wllama, models, prompts, decodePrompt, *decodeN, *ctxN, *limit)
		if err != nil {
			return err
		}
		defer b.stop()
		rep.EmptyPageRSSBytes = b.emptyRSS
	}
	failed := runRounds(rep, nativeBin, b, models, browserEngs, prompts, decodePrompt, *decodeN, *n)

	rep.finish(models, knownEngines)
	fmt.Printf("\nBenchmark: prompts %s tokens, %d decoded tokens after the %d-token prompt, greedy, context %d (browser engines), median of %d interleaved rounds, %d CPUs, %s\n\n",
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

// runKey names one row: an engine on a model at a thread count and prompt length.
type runKey struct {
	engine, model   string
	threads, prompt int
}

// runRounds measures every engine × model × threads × prompt n times, in n rounds: each
// round runs every combination once, and within a round each model and thread count gets
// native llama.cpp (one llama-bench invocation per prompt length, -r 1) and then the
// browser engines' runs right after it. So the engines compared in a row are measured
// minutes apart at most, never one before the other's whole series: a slow stretch of
// this VM (it moves a whole row by 20-30% for minutes) falls on all of them or on one
// round, which the median leaves out. It adds the rows (medians over the rounds) to rep
// and returns how many browser combinations failed.
func runRounds(rep *Report, nativeBin string, b *browserBench, models []benchModel, engs []string, prompts []int, decodePrompt, decode, n int) int {
	nativeRuns := map[runKey][]Result{}
	browserRuns := map[runKey][]*runResult{}
	browserRow := map[runKey]Result{}
	var order []runKey // first-seen order, for the rows
	dead := map[runKey]bool{}
	nativeDead := map[string]bool{} // models native llama.cpp failed on
	failed := 0
	for round := 1; round <= n; round++ {
		logf("round %d of %d", round, n)
		for i := range models {
			m := &models[i]
			for _, th := range rep.Threads {
				if nativeBin != "" && !nativeDead[m.Name] {
					rows, err := nativeRows(nativeBin, m, []int{th}, prompts, decodePrompt, decode, 1)
					switch {
					case errors.Is(err, errCPU):
						logf("native llama.cpp skipped: %v", err)
						rep.Skipped = append(rep.Skipped, Skipped{Engine: nativeEngine, Reason: firstLine(err.Error())})
						nativeBin = ""
					case err != nil:
						logf("native %s skipped: %v", m.Name, err)
						rep.Skipped = append(rep.Skipped, Skipped{Engine: nativeEngine, Model: m.Name, Reason: firstLine(err.Error())})
						nativeDead[m.Name] = true
					}
					for _, r := range rows {
						k := runKey{nativeEngine, r.Model, r.Threads, r.Prompt}
						if nativeRuns[k] == nil {
							order = append(order, k)
						}
						nativeRuns[k] = append(nativeRuns[k], r)
						logf("native %s threads=%d prompt=%d round %d: prefill %.1f tok/s%s peak RSS %.1f MiB",
							r.Model, r.Threads, r.Prompt, round, r.PrefillTPS, decodeNote(r.Decode, r.DecodeTPS), float64(r.RSSBytes)/mib)
					}
				}
				if b == nil {
					continue
				}
				for _, p := range prompts {
					if b.fitted[promptKey{m.Name, p}] == nil {
						continue
					}
					for _, eng := range engs {
						k := runKey{eng, m.Name, th, p}
						if eng == rawEngine && (th != rep.Threads[0] || p != decodePrompt) {
							continue
						}
						if dead[k] {
							continue
						}
						r, row, err := b.run(eng, m, th, p, rep.Warmup)
						if err != nil {
							logf("%s %s threads=%d prompt=%d round %d: %v", eng, m.Name, th, p, round, err)
							rep.Skipped = append(rep.Skipped, Skipped{eng, m.Name, th, p, "error: " + firstLine(err.Error())})
							failed++
							dead[k] = true
							continue
						}
						if !r.Available {
							rep.Skipped = append(rep.Skipped, Skipped{eng, m.Name, th, p, "unavailable: " + r.Reason})
							dead[k] = true
							continue
						}
						logf("%s %s threads=%d prompt=%d round %d: load %.2fs prefill %.1f tok/s%s renderer peak RSS %.1f MiB (renderers: %s) wasm %.1f MiB",
							eng, m.Name, th, p, round, r.LoadS, r.PrefillTPS, decodeNote(row.Decode, r.DecodeTPS), float64(r.RSSBytes)/mib, r.Renderers, r.WasmMemoryBytes/mib)
						if browserRuns[k] == nil {
							order = append(order, k)
							browserRow[k] = row
						}
						browserRuns[k] = append(browserRuns[k], r)
					}
				}
			}
		}
	}
	for _, k := range order {
		switch {
		case k.engine == nativeEngine:
			rep.Rows = append(rep.Rows, mergeNative(nativeRuns[k]))
		case !dead[k]: // a combination that failed in any round has no row
			rep.Rows = append(rep.Rows, summarize(browserRow[k], browserRuns[k]))
		}
	}
	return failed
}

// mergeNative makes one row of native llama.cpp's rounds: the median of each speed, the
// largest peak RSS.
func mergeNative(runs []Result) Result {
	r := runs[0]
	var pre, dec []float64
	for _, x := range runs {
		pre = append(pre, x.PrefillTPS)
		dec = append(dec, x.DecodeTPS)
		r.RSSBytes = max(r.RSSBytes, x.RSSBytes)
	}
	r.PrefillTPS = median(pre)
	if r.Decode > 0 {
		r.DecodeTPS = median(dec)
	}
	r.Runs = len(runs)
	return r
}

type promptKey struct {
	model  string
	prompt int
}

// browserBench is the browser side of the benchmark: the bundle built and served, the
// prompts fitted to each model, Hearth's KV cache of each at the context the runs ask
// for, the empty page's renderer RSS.
type browserBench struct {
	chromium, base string
	limit          time.Duration
	fitted         map[promptKey]*prompt
	hearthKV       map[string]int64 // model name -> bytes
	decodePrompt   int
	decode         int
	ctxN           int
	emptyRSS       int64
	stop           func()
}

// startBrowser fits the prompts and reads each model's KV cache size (a prompt that
// cannot be fitted, or a model Hearth cannot size, is an error before anything runs),
// builds and serves the bundle and measures the empty page's renderer.
func startBrowser(root, chromium, wllama string, models []benchModel, prompts []int, decodePrompt, decode, ctxN int, limit time.Duration) (*browserBench, error) {
	b := &browserBench{chromium: chromium, limit: limit, fitted: map[promptKey]*prompt{}, hearthKV: map[string]int64{},
		decodePrompt: decodePrompt, decode: decode, ctxN: ctxN}
	for _, m := range models {
		kv, err := m.hearthKVBytes(m.context(ctxN))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Name, err)
		}
		b.hearthKV[m.Name] = kv
		for _, p := range prompts {
			if !m.fits(p, decodePrompt, decode) {
				continue
			}
			pr, err := fitPrompt(m.Path, p)
			if err != nil {
				return nil, err
			}
			b.fitted[promptKey{m.Name, p}] = pr
		}
	}

	dir, err := os.MkdirTemp("", "hearth-bench-static-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	if err := buildBundle(root, dir, models); err != nil {
		cleanup()
		return nil, err
	}
	page, err := benchPage(dir)
	if err != nil {
		cleanup()
		return nil, err
	}
	st := &site{Static: dir, Wllama: wllama, GGUF: map[string]string{}, Page: page, Script: benchJS}
	for _, m := range models {
		st.GGUF[m.Name+".gguf"] = m.Path
	}
	base, stopServer, err := serve(st.handler())
	if err != nil {
		cleanup()
		return nil, err
	}
	b.base = base
	b.stop = func() { stopServer(); cleanup() }
	logf("serving %s on %s (COOP same-origin, COEP require-corp)", dir, base)

	empty, err := runOnce(chromium, base, "", nil, limit)
	if err != nil {
		b.stop()
		return nil, fmt.Errorf("empty page: %w", err)
	}
	b.emptyRSS = empty.RSSBytes
	logf("empty bench page: renderer peak RSS %.1f MiB (renderers: %s)", float64(empty.RSSBytes)/mib, empty.Renderers)
	return b, nil
}

// run measures engine eng on model m at th threads with the p-token prompt once, in a
// fresh Chromium; row is the result's row without its measures.
func (b *browserBench) run(eng string, m *benchModel, th, p int, warmup bool) (*runResult, Result, error) {
	ctx := m.context(b.ctxN)
	dec := 0
	if p == b.decodePrompt {
		dec = b.decode
	}
	pr := b.fitted[promptKey{m.Name, p}]
	args := map[string]any{"threads": th, "prompt": pr.Tokens, "text": pr.Text, "decode": dec, "contextSize": ctx, "warmup": warmup}
	fn, kv := "benchHearth", b.hearthKV[m.Name]
	if eng == "hearth" || eng == rawEngine {
		args["model"] = m.Name
		if eng == rawEngine {
			args["url"] = "gguf/" + m.Name + ".gguf"
		}
	} else {
		fn, kv = "benchWllama", m.kvBytes(ctx, 2) // llama.cpp's default F16
		args["url"] = "gguf/" + m.Name + ".gguf"
	}
	row := Result{Engine: eng, Model: m.Name, Threads: th, Prompt: p, Decode: dec, Context: ctx, FileBytes: m.Size, KVBytes: kv}
	r, err := runOnce(b.chromium, b.base, fn, args, b.limit)
	return r, row, err
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
