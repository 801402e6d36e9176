package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Result is one row of bench/results.json: the median of the runs of one engine on one
// model at one thread count.
type Result struct {
	Engine      string  `json:"engine"` // "hearth" or "wllama"
	Model       string  `json:"model"`
	Threads     int     `json:"threads"`
	LoadS       float64 `json:"load_s"`       // fetch + init, seconds
	PrefillTPS  float64 `json:"prefill_tps"`  // prompt tokens per second (64-token prompt)
	DecodeTPS   float64 `json:"decode_tps"`   // generated tokens per second (64 tokens)
	MemoryBytes int64   `json:"memory_bytes"` // wasm memory in use after the run
	Runs        int     `json:"runs"`
}

// Skipped is an engine × model × threads combination that could not run.
type Skipped struct {
	Engine  string
	Model   string
	Threads int
	Reason  string
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

// summarize takes the median of each measure over the runs (each measure on its own).
func summarize(engine, model string, threads int, runs []*runResult) Result {
	var load, pre, dec, mem []float64
	for _, r := range runs {
		load = append(load, r.LoadS)
		pre = append(pre, r.PrefillTPS)
		dec = append(dec, r.DecodeTPS)
		mem = append(mem, r.MemoryBytes)
	}
	return Result{Engine: engine, Model: model, Threads: threads, LoadS: median(load),
		PrefillTPS: median(pre), DecodeTPS: median(dec), MemoryBytes: int64(median(mem)), Runs: len(runs)}
}

// printTable writes the results as a Markdown table, then the skipped rows.
func printTable(w io.Writer, rs []Result, skipped []Skipped) {
	fmt.Fprintln(w, "| engine | model | threads | load s | prefill tok/s | decode tok/s | memory MiB |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range rs {
		fmt.Fprintf(w, "| %s | %s | %d | %.2f | %.1f | %.1f | %.1f |\n", r.Engine, r.Model, r.Threads,
			r.LoadS, r.PrefillTPS, r.DecodeTPS, float64(r.MemoryBytes)/(1<<20))
	}
	for _, s := range skipped {
		fmt.Fprintf(w, "skipped: %s %s threads=%d: %s\n", s.Engine, s.Model, s.Threads, s.Reason)
	}
	ratios(w, rs)
}

// ratios prints Hearth ÷ wllama for each model and thread count both engines ran.
func ratios(w io.Writer, rs []Result) {
	type key struct {
		model   string
		threads int
	}
	wl := map[key]Result{}
	for _, r := range rs {
		if r.Engine == "wllama" {
			wl[key{r.Model, r.Threads}] = r
		}
	}
	var lines []string
	for _, r := range rs {
		o, ok := wl[key{r.Model, r.Threads}]
		if r.Engine != "hearth" || !ok || o.PrefillTPS == 0 || o.DecodeTPS == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("hearth/wllama %s threads=%d: prefill %.2f×, decode %.2f×",
			r.Model, r.Threads, r.PrefillTPS/o.PrefillTPS, r.DecodeTPS/o.DecodeTPS))
	}
	if len(lines) > 0 {
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}
}

func writeJSON(path string, rs []Result) error {
	if rs == nil {
		rs = []Result{}
	}
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
