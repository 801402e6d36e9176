package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"hearth/internal/shared"
)

// Native llama.cpp (llama-bench from the shared test data, ../shared/bin/README.md) on the
// same GGUF files, thread counts, prompt lengths and decode count as the browser engines.
// It runs before Chromium starts and with nothing else of the benchmark running: its
// OpenMP threads spin, so anything beside it on the cores distorts its figures.

const nativeEngine = "llamacpp-native"

// findLlamaBench returns the llama-bench binary: flagPath when given, else bin/llama-bench
// in the shared test data ($HEARTH_TESTDATA, or ../shared next to the repository), or "".
func findLlamaBench(root, flagPath string) string {
	if flagPath != "" {
		if _, err := os.Stat(flagPath); err != nil {
			return ""
		}
		return flagPath
	}
	var dirs []string
	if d := shared.Find(); d != "" {
		dirs = append(dirs, d)
	}
	dirs = append(dirs, filepath.Join(filepath.Dir(root), "shared"))
	for _, d := range dirs {
		p := filepath.Join(d, "bin", "llama-bench")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// llamaBenchEntry is the part of one llama-bench -o json entry the benchmark reads.
type llamaBenchEntry struct {
	NPrompt   int       `json:"n_prompt"`
	NGen      int       `json:"n_gen"`
	NDepth    int       `json:"n_depth"`
	NThreads  int       `json:"n_threads"`
	AvgTS     float64   `json:"avg_ts"`
	SamplesTS []float64 `json:"samples_ts"`
}

// tps is the median of the repetitions (the browser rows are medians too), or avg_ts.
func (e llamaBenchEntry) tps() float64 {
	if len(e.SamplesTS) > 0 {
		return median(e.SamplesTS)
	}
	return e.AvgTS
}

// errCPU says llama-bench cannot run on this machine at all (built for another CPU).
var errCPU = errors.New("llama-bench cannot run on this CPU")

// llamaBench runs bin with args plus -o json and returns its entries and its peak RSS.
//
// The peak: ru_maxrss of the process is not enough on its own, because Linux carries the
// parent's peak over into the child at exec (Go starts children with vfork, sharing this
// program's memory until the exec), so a small llama-bench run reports this program's own
// peak. So the program also polls the child's VmHWM (its own address space's peak, which
// starts afresh at exec) from /proc every 20 ms, and takes ru_maxrss only when it is above
// this program's own VmHWM (then it can only be the child's).
func llamaBench(bin string, args ...string) ([]llamaBenchEntry, int64, error) {
	args = append(args, "-o", "json")
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	done := make(chan struct{})
	polled := make(chan int64)
	go func() {
		var peak int64
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb, err := statusKB(cmd.Process.Pid, "VmHWM"); err == nil {
				peak = max(peak, kb*1024)
			}
			select {
			case <-done:
				polled <- peak
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	rss := <-polled
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGILL {
				return nil, 0, fmt.Errorf("%w (%v: it is built with -DGGML_NATIVE=ON for another CPU)", errCPU, err)
			}
		}
		return nil, 0, fmt.Errorf("%s %s: %v: %s", filepath.Base(bin), strings.Join(args, " "), err, lastLine(stderr.String()))
	}
	var es []llamaBenchEntry
	if err := json.Unmarshal(stdout.Bytes(), &es); err != nil {
		return nil, 0, fmt.Errorf("llama-bench -o json: %v", err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		own, err := statusKB(os.Getpid(), "VmHWM")
		if err == nil && ru.Maxrss > own { // kilobytes on Linux
			rss = max(rss, ru.Maxrss*1024)
		}
	}
	return es, rss, nil
}

// nativeRows measures one model with llama-bench: for each prompt length p, prefill
// `-p p -n 0` at all thread counts; for the decode prompt, decode `-p 0 -n decode -d p`
// (decode tokens after p tokens already in the context, as the browser engines decode
// after the prompt). Each invocation repeats every test runs times (-r) after llama-bench's
// own warm-up run. A row's RSS is the peak RSS of the invocations it comes from.
func nativeRows(bin string, m *benchModel, threads, prompts []int, decodePrompt, decode, runs int) ([]Result, error) {
	ts := make([]string, len(threads))
	for i, t := range threads {
		ts[i] = strconv.Itoa(t)
	}
	common := []string{"-m", m.Path, "-t", strings.Join(ts, ","), "-r", strconv.Itoa(runs)}
	var out []Result
	for _, p := range prompts {
		if !m.fits(p, decodePrompt, decode) {
			continue
		}
		pre, rss, err := llamaBench(bin, append([]string{"-p", strconv.Itoa(p), "-n", "0"}, common...)...)
		if err != nil {
			return nil, err
		}
		var dec []llamaBenchEntry
		nctx := p
		if p == decodePrompt {
			var drss int64
			dec, drss, err = llamaBench(bin, append([]string{"-p", "0", "-n", strconv.Itoa(decode), "-d", strconv.Itoa(p)}, common...)...)
			if err != nil {
				return nil, err
			}
			rss = max(rss, drss)
			nctx = max(nctx, p+decode)
		}
		for _, t := range threads {
			r := Result{Engine: nativeEngine, Model: m.Name, Threads: t, Prompt: p, Context: nctx,
				RSSBytes: rss, FileBytes: m.Size, KVBytes: m.kvBytes(nctx, 2), Runs: runs}
			for _, e := range pre {
				if e.NThreads == t && e.NPrompt == p && e.NGen == 0 {
					r.PrefillTPS = e.tps()
				}
			}
			for _, e := range dec {
				if e.NThreads == t && e.NPrompt == 0 && e.NGen == decode && e.NDepth == p {
					r.Decode, r.DecodeTPS = decode, e.tps()
				}
			}
			if r.PrefillTPS == 0 {
				return nil, fmt.Errorf("llama-bench gave no pp%d entry for %d threads", p, t)
			}
			if p == decodePrompt && r.DecodeTPS == 0 {
				return nil, fmt.Errorf("llama-bench gave no tg%d@d%d entry for %d threads", decode, p, t)
			}
			out = append(out, r)
		}
	}
	return out, nil
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
