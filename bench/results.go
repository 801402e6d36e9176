package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Result is one row of bench/results.json: one engine on one model at one thread count
// and one prompt length, the median of each measure over the runs.
type Result struct {
	Engine     string  `json:"engine"` // "llamacpp-native", "hearth" or "wllama"
	Model      string  `json:"model"`
	Threads    int     `json:"threads"`
	Prompt     int     `json:"prompt"`           // prompt tokens of the prefill
	Decode     int     `json:"decode,omitempty"` // decoded tokens; 0 in a prefill-only row
	Context    int     `json:"context"`          // context size the engine ran with
	LoadS      float64 `json:"load_s,omitempty"` // fetch + init, seconds (browser engines)
	PrefillTPS float64 `json:"prefill_tps"`      // prompt tokens per second
	DecodeTPS  float64 `json:"decode_tps,omitempty"`
	// RSSBytes is the peak resident set: browser engines, the largest VmHWM of the fresh
	// Chromium's renderer processes at the end of the run; native, ru_maxrss of the
	// llama-bench processes the row comes from.
	RSSBytes int64 `json:"rss_bytes"`
	// WasmMemoryBytes is the engine's own account: Hearth, the WebAssembly.Memory's size
	// (info().wasm_memory_bytes); wllama, measureUserAgentSpecificMemory of its worker.
	WasmMemoryBytes int64 `json:"wasm_memory_bytes,omitempty"`
	FileBytes       int64 `json:"file_bytes"` // the GGUF file
	// KVBytes estimates the engine's KV cache at Context: Hearth's own estimate
	// (engine.MemoryNeeded), F16 for llama.cpp.
	KVBytes int64 `json:"kv_bytes"`
	// RSSVsModel is RSSBytes ÷ (FileBytes + KVBytes); RSSAbovePageVsModel the same with the
	// empty page's renderer RSS (Report.EmptyPageRSSBytes) taken off first (browser rows).
	RSSVsModel          float64 `json:"rss_vs_model"`
	RSSAbovePageVsModel float64 `json:"rss_above_page_vs_model,omitempty"`
	Runs                int     `json:"runs"`
}

// Ratio compares Hearth with the other engines on one model, thread count and prompt
// length: Hearth's tokens/s ÷ the other's (above 1: Hearth is faster); 0 where a side is
// missing.
type Ratio struct {
	Model           string  `json:"model"`
	Threads         int     `json:"threads"`
	Prompt          int     `json:"prompt"`
	PrefillVsNative float64 `json:"prefill_vs_native,omitempty"`
	PrefillVsWllama float64 `json:"prefill_vs_wllama,omitempty"`
	DecodeVsNative  float64 `json:"decode_vs_native,omitempty"`
	DecodeVsWllama  float64 `json:"decode_vs_wllama,omitempty"`
	// LoadVsWllama is Hearth's load seconds (the bundle's manifest) ÷ wllama's (its raw
	// .gguf), RawLoadVsWllama the same for Hearth loading that raw .gguf (hearth-raw):
	// below 1, Hearth loads faster.
	LoadVsWllama    float64 `json:"load_vs_wllama,omitempty"`
	RawLoadVsWllama float64 `json:"raw_load_vs_wllama,omitempty"`
}

// Skipped is an engine × model × threads × prompt combination that did not run.
type Skipped struct {
	Engine  string `json:"engine"`
	Model   string `json:"model,omitempty"`
	Threads int    `json:"threads,omitempty"`
	Prompt  int    `json:"prompt,omitempty"`
	Reason  string `json:"reason"`
}

// Report is bench/results.json.
type Report struct {
	CPUs int `json:"cpus"`
	Runs int `json:"runs"`
	// Warmup: each browser run made two warm-up completions before the measured one.
	Warmup  bool   `json:"warmup"`
	Decode  int    `json:"decode"`
	Context int    `json:"context"`
	Prompts []int  `json:"prompts"`
	Threads []int  `json:"threads"`
	Load    string `json:"loadavg_before,omitempty"` // /proc/loadavg when the run started
	// EmptyPageRSSBytes is the renderer peak RSS of a fresh Chromium showing the bare bench
	// page with no engine started: Chromium's own baseline.
	EmptyPageRSSBytes int64     `json:"empty_page_rss_bytes,omitempty"`
	Rows              []Result  `json:"rows"`
	Ratios            []Ratio   `json:"ratios"`
	Skipped           []Skipped `json:"skipped"`
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// summarize takes the median of each measure over a browser engine's runs (each measure
// on its own).
func summarize(r Result, runs []*runResult) Result {
	var load, pre, dec, mem, rss []float64
	for _, x := range runs {
		load = append(load, x.LoadS)
		pre = append(pre, x.PrefillTPS)
		dec = append(dec, x.DecodeTPS)
		mem = append(mem, x.WasmMemoryBytes)
		rss = append(rss, float64(x.RSSBytes))
	}
	r.LoadS, r.PrefillTPS, r.WasmMemoryBytes, r.RSSBytes = median(load), median(pre), int64(median(mem)), int64(median(rss))
	if r.Decode > 0 {
		r.DecodeTPS = median(dec)
	}
	r.Runs = len(runs)
	return r
}

// finish sorts the rows (model, threads, prompt, engine in the order given) and fills in
// the memory ratios and the speed ratios.
func (rep *Report) finish(models []benchModel, engines []string) {
	order := func(list []string, s string) int {
		for i, x := range list {
			if x == s {
				return i
			}
		}
		return len(list)
	}
	var names []string
	for _, m := range models {
		names = append(names, m.Name)
	}
	sort.SliceStable(rep.Rows, func(i, j int) bool {
		a, b := rep.Rows[i], rep.Rows[j]
		if a.Model != b.Model {
			return order(names, a.Model) < order(names, b.Model)
		}
		if a.Threads != b.Threads {
			return a.Threads < b.Threads
		}
		if a.Prompt != b.Prompt {
			return a.Prompt < b.Prompt
		}
		return order(engines, a.Engine) < order(engines, b.Engine)
	})
	for i := range rep.Rows {
		r := &rep.Rows[i]
		if m := float64(r.FileBytes + r.KVBytes); m > 0 {
			r.RSSVsModel = float64(r.RSSBytes) / m
			if r.Engine != nativeEngine && rep.EmptyPageRSSBytes > 0 {
				r.RSSAbovePageVsModel = float64(r.RSSBytes-rep.EmptyPageRSSBytes) / m
			}
		}
	}
	type key struct {
		model           string
		threads, prompt int
	}
	by := map[string]map[key]Result{}
	for _, r := range rep.Rows {
		if by[r.Engine] == nil {
			by[r.Engine] = map[key]Result{}
		}
		by[r.Engine][key{r.Model, r.Threads, r.Prompt}] = r
	}
	div := func(a, b float64) float64 {
		if a == 0 || b == 0 {
			return 0
		}
		return a / b
	}
	rep.Ratios = nil
	for _, h := range rep.Rows {
		if h.Engine != "hearth" {
			continue
		}
		k := key{h.Model, h.Threads, h.Prompt}
		n, w, raw := by[nativeEngine][k], by["wllama"][k], by[rawEngine][k]
		q := Ratio{Model: h.Model, Threads: h.Threads, Prompt: h.Prompt,
			PrefillVsNative: div(h.PrefillTPS, n.PrefillTPS), PrefillVsWllama: div(h.PrefillTPS, w.PrefillTPS),
			DecodeVsNative: div(h.DecodeTPS, n.DecodeTPS), DecodeVsWllama: div(h.DecodeTPS, w.DecodeTPS),
			LoadVsWllama: div(h.LoadS, w.LoadS), RawLoadVsWllama: div(raw.LoadS, w.LoadS)}
		if q.PrefillVsNative != 0 || q.PrefillVsWllama != 0 {
			rep.Ratios = append(rep.Ratios, q)
		}
	}
}

const mib = 1 << 20

// printTable writes the rows and the ratios as Markdown tables, then the skipped rows.
func printTable(w io.Writer, rep *Report) {
	fmt.Fprintln(w, "| engine | model | threads | prompt | load s | prefill tok/s | decode tok/s | peak RSS MiB | RSS ÷ (file+KV) | wasm MiB |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rep.Rows {
		load, dec, wasm := "–", "–", "–"
		if r.LoadS > 0 {
			load = fmt.Sprintf("%.2f", r.LoadS)
		}
		if r.Decode > 0 {
			dec = fmt.Sprintf("%.1f", r.DecodeTPS)
		}
		if r.WasmMemoryBytes > 0 {
			wasm = fmt.Sprintf("%.1f", float64(r.WasmMemoryBytes)/mib)
		}
		rss := fmt.Sprintf("%.2f×", r.RSSVsModel)
		if r.RSSAbovePageVsModel != 0 {
			rss += fmt.Sprintf(" (%.2f× above the empty page)", r.RSSAbovePageVsModel)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %s | %.1f | %s | %.1f | %s | %s |\n", r.Engine, r.Model, r.Threads, r.Prompt,
			load, r.PrefillTPS, dec, float64(r.RSSBytes)/mib, rss, wasm)
	}
	if rep.Warmup {
		fmt.Fprintln(w, "\nBrowser runs: each after two warm-up completions in the same page (prompts of up to 64 tokens, 32 decoded; -warmup=false: a fresh page's first call).")
	} else {
		fmt.Fprintln(w, "\nBrowser runs: a fresh page's first call, no warm-up.")
	}
	if rep.EmptyPageRSSBytes > 0 {
		fmt.Fprintf(w, "\nChromium's renderer with the empty bench page (no engine): peak RSS %.1f MiB\n", float64(rep.EmptyPageRSSBytes)/mib)
	}
	if len(rep.Ratios) > 0 {
		fmt.Fprintln(w, "\nHearth ÷ the others (tokens/s; above 1: Hearth is faster)")
		fmt.Fprintln(w, "\n| model | threads | prompt | prefill ÷ native | prefill ÷ wllama | decode ÷ native | decode ÷ wllama |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		f := func(v float64) string {
			if v == 0 {
				return "–"
			}
			return fmt.Sprintf("%.2f×", v)
		}
		for _, q := range rep.Ratios {
			fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s |\n", q.Model, q.Threads, q.Prompt,
				f(q.PrefillVsNative), f(q.PrefillVsWllama), f(q.DecodeVsNative), f(q.DecodeVsWllama))
		}
		header := false
		for _, q := range rep.Ratios {
			if q.RawLoadVsWllama == 0 {
				continue
			}
			if !header {
				fmt.Fprintln(w, "\nLoad seconds, Hearth ÷ wllama (below 1: Hearth loads faster; wllama fetches the raw .gguf)")
				fmt.Fprintln(w, "\n| model | threads | Hearth, manifest | Hearth, raw .gguf |")
				fmt.Fprintln(w, "|---|---|---|---|")
				header = true
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", q.Model, q.Threads, f(q.LoadVsWllama), f(q.RawLoadVsWllama))
		}
	}
	if len(rep.Skipped) > 0 {
		fmt.Fprintln(w)
	}
	for _, s := range rep.Skipped {
		at := []string{s.Engine}
		if s.Model != "" {
			at = append(at, s.Model)
		}
		if s.Threads > 0 {
			at = append(at, fmt.Sprintf("threads=%d", s.Threads))
		}
		if s.Prompt > 0 {
			at = append(at, fmt.Sprintf("prompt=%d", s.Prompt))
		}
		fmt.Fprintf(w, "skipped: %s: %s\n", strings.Join(at, " "), s.Reason)
	}
}

func writeJSON(path string, rep *Report) error {
	if rep.Rows == nil {
		rep.Rows = []Result{}
	}
	if rep.Ratios == nil {
		rep.Ratios = []Ratio{}
	}
	if rep.Skipped == nil {
		rep.Skipped = []Skipped{}
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
