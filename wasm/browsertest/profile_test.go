package browsertest

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
	"testing"

	"hearth/engine/synth"
	"hearth/internal/webtest"
)

var profileFlag = flag.Bool("browser.profile", false, "run TestBrowserProfile: where a prefill and a decode step spend their time in Chromium (SmolLM2-135M-shaped, 1 and 2 threads)")

var (
	profileType  = flag.String("browser.profile.type", "Q8_0", "the file type of the profiling tests' model (Q8_0, Q4_K_M, Q4_0, …)")
	profileShape = flag.String("browser.profile.shape", "smollm2-135m", "the shape of the profiling tests' model (engine/synth's: smollm2-135m, qwen3-0.6b, …)")
)

// kernelTime is one kernel's totals from the worker's ?profile=1 (HearthEngine.profile).
type kernelTime struct {
	Calls      int     `json:"calls"`
	MS         float64 `json:"ms"`
	SplitCalls int     `json:"splitCalls"`
	SplitMS    float64 `json:"splitMs"`
}

// TestBrowserProfile is a measurement, not a check (behind -browser.profile): a 64-token
// prefill and 64 decoded tokens of a SmolLM2-135M-shaped file (-browser.profile.type, Q8_0
// unless asked) at 1 and 2 threads, with
// the engine thread's time split into kernels run across the threads, kernels run on the
// engine thread alone, and the Go engine's own code (the step's time minus its kernels):
// the share of a step that more threads can speed up (issue 13). With helper threads a
// decode step runs through the worker's queue: the engine thread's time is then its Go
// code (recording the step), the queue's drain (queue_end: its share of the kernels and
// its waits), and each thread's work in the queue is reported apart — in steps split
// across the threads and in one-chunk steps — with the share of the threads' time
// (threads × the step) spent in split work.
func TestBrowserProfile(t *testing.T) {
	if !*profileFlag {
		t.Skip("a measurement: go test ./wasm/browsertest -run TestBrowserProfile -browser.profile -v")
	}
	ctx := profilePage(t)
	for _, threads := range []int{1, 2} {
		var res struct {
			Threads int                      `json:"threads"`
			Stats   [2]map[string]any        `json:"stats"`
			Profile [2]map[string]kernelTime `json:"profile"`
		}
		evalPage(t, ctx, fmt.Sprintf(`
			const assets = JSON.parse(document.getElementById("hearth-assets").textContent);
			const abs = (u) => new URL(u, document.baseURI).href;
			const { HearthEngine } = await import(abs(assets.client));
			const e = new HearthEngine(abs(assets.worker), { threads: %d, profile: true });
			await e.load("models/profile/manifest.json", { contextSize: 512 });
			const prompt = Array.from({ length: 64 }, (_, i) => 100 + 37 * i);
			// warm up as the bench does (two completions of other tokens): V8 runs the wasm in
			// its baseline tier until the hot functions are compiled by TurboFan
			for (const w of [prompt.slice(1).reverse(), prompt.slice(1)]) await e.complete(w, { temperature: 0, maxTokens: 32 });
			await e.profile();
			const stats = [], profile = [];
			// a prefill of 64 new tokens (and one step), then 64 tokens decoded after it
			let r = await e.complete(prompt, { temperature: 0, maxTokens: 1 });
			stats.push(r.stats); profile.push(await e.profile());
			r = await e.complete(prompt.concat(r.tokens), { temperature: 0, maxTokens: 64 });
			stats.push(r.stats); profile.push(await e.profile());
			const threads = e.threads;
			e.terminate();
			return { threads, stats, profile };`, threads), &res)
		if res.Threads != threads {
			t.Fatalf("the engine runs %d threads, want %d", res.Threads, threads)
		}
		for i, phase := range []string{"prefill (64 tokens)", "decode (64 tokens)"} {
			st, prof := res.Stats[i], res.Profile[i]
			stepMS := 1000 * (num(st["prefill_s"]) + num(st["decode_s"]))
			var split, alone, drain, queuedSplit, queuedSerial float64
			var names, queued, jobs []string
			for name, k := range prof {
				switch {
				case strings.HasPrefix(name, "queue thread"):
					queuedSplit += k.SplitMS
					queuedSerial += k.MS - k.SplitMS
					queued = append(queued, fmt.Sprintf("  %s: split work %.0f ms (%d chunks), one-chunk steps %.0f ms (%d), idle or Go %.0f ms",
						name, k.SplitMS, k.SplitCalls, k.MS-k.SplitMS, k.Calls-k.SplitCalls, stepMS-k.MS))
					continue
				case strings.HasPrefix(name, "job thread"):
					jobs = append(jobs, fmt.Sprintf("  %s: %.0f ms in %d chunks", name, k.MS, k.Calls))
					continue
				case name == "queue_end":
					drain += k.MS
				case name == "queue gaps": // the engine thread between two queues: Go, not a kernel
					names = append(names, name)
					continue
				default:
					split += k.SplitMS
					alone += k.MS - k.SplitMS
				}
				names = append(names, name)
			}
			sort.Strings(queued)
			sort.Slice(names, func(a, b int) bool { return prof[names[a]].MS > prof[names[b]].MS })
			var lines []string
			for _, name := range names {
				k := prof[name]
				lines = append(lines, fmt.Sprintf("  %-20s %4d calls (%4d split) %8.1f ms (%.1f split)", name, k.Calls, k.SplitCalls, k.MS, k.SplitMS))
			}
			goMS := stepMS - split - alone - drain
			t.Logf("%d thread(s), %s: %.0f ms (prefill %.1f tok/s, decode %.1f tok/s): split kernels %.0f ms (%.1f%%), kernels on the engine thread alone %.0f ms (%.1f%%), the queue's drain %.0f ms (%.1f%%), Go outside kernels %.0f ms (%.1f%%)\n%s",
				threads, phase, stepMS, num(st["prefill_tps"]), num(st["decode_tps"]), split, 100*split/stepMS, alone, 100*alone/stepMS, drain, 100*drain/stepMS, goMS, 100*goMS/stepMS, strings.Join(lines, "\n"))
			if len(jobs) > 0 {
				sort.Strings(jobs)
				t.Logf("%d thread(s), %s, in the split kernels' %.0f ms: each thread's time running their chunks (the rest: waiting for the last chunk, waking)\n%s",
					threads, phase, split, strings.Join(jobs, "\n"))
			}
			if len(queued) > 0 {
				all := float64(threads) * stepMS
				t.Logf("%d thread(s), %s, in the queue: of the threads' time (%d × %.0f ms), split work %.1f%%, one-chunk steps %.1f%%, the rest (idle, waiting, Go) %.1f%%\n%s",
					threads, phase, threads, stepMS, 100*queuedSplit/all, 100*queuedSerial/all, 100*(all-queuedSplit-queuedSerial)/all, strings.Join(queued, "\n"))
			}
		}
	}
}

func num(v any) float64 {
	f, _ := v.(float64)
	return f
}

// profilePage opens, in a cross-origin-isolated page, a site holding a model of shape
// -browser.profile.shape and type -browser.profile.type as models/profile (the profiling
// tests' subject).
func profilePage(t *testing.T) context.Context {
	dir := site(t)
	shape, ok := synth.Shapes[*profileShape]
	if !ok {
		t.Fatalf("-browser.profile.shape %q: engine/synth has no such shape", *profileShape)
	}
	w, err := synth.Build(synth.Options{Shape: shape, Type: *profileType, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	webtest.AddModel(t, dir, "profile", w, 0)
	return openBlankPage(t, dir, true)
}
