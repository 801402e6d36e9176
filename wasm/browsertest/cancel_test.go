//go:build !js

package browsertest

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/chromedp/chromedp"

	"hearth/engine/synth"
	"hearth/internal/webtest"
)

// prefillShape has SmolLM2-135M's layers (so a layer costs what it does there: tens of
// milliseconds for a 128-token chunk in the browser) but only 4 of them and a tiny
// vocabulary, and a context of 2048: a 1,000-token prompt takes seconds to prefill.
func prefillShape() synth.Shape {
	sh := synth.Shapes["smollm2-135m"]
	tiny := synth.Shapes["tiny"]
	sh.Name, sh.NLayer, sh.NCtx, sh.NVocab, sh.Tied = "prefill", 4, 2048, tiny.NVocab, false
	return sh
}

// addPrefillModel writes the synthetic model and adds it to the bundle as "synth-prefill".
func addPrefillModel(t *testing.T, dir string) {
	w, err := synth.Build(synth.Options{Shape: prefillShape(), Type: "Q8_0", Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	webtest.AddModel(t, dir, "synth-prefill", w, 0)
}

// TestBrowserCancelPrefill cancels a 1,000-token prefill in the browser and sees done
// within 100 ms: the engine lets the worker's event loop run between layers, so the cancel
// message arrives in the middle of the prompt. The session stays usable: a request that
// reuses the part of the prompt finished before the cancel answers as a fresh engine does.
func TestBrowserCancelPrefill(t *testing.T) {
	dir := site(t)
	addPrefillModel(t, dir)
	base := serve(t, dir, false)
	ctx := browser(t)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"index.html")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitVisible("#load")); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	prompt := make([]int32, 1000)
	for i := range prompt {
		prompt[i] = int32(10 + r.IntN(prefillShape().NVocab-13)) // no special tokens
	}
	var res struct {
		Runs []struct {
			WaitMS     float64 `json:"waitMs"`
			CancelMS   float64 `json:"cancelMs"`
			StopReason string  `json:"stopReason"`
			Tokens     int     `json:"tokens"`
			Events     int     `json:"events"`
			Cached     int     `json:"cached"`
		} `json:"runs"`
		After     []int32 `json:"after"`
		AfterStop string  `json:"afterStop"`
		Fresh     []int32 `json:"fresh"`
		PrefillS  float64 `json:"prefillS"`
		SIMD      bool    `json:"simd"`
	}
	// Each run starts with a different token so nothing is reused from the run before: a
	// whole 1,000-token prefill, cancelled after 300 to 500 ms.
	eval(t, ctx, fmt.Sprintf(`
		const prompt = %s;
		const model = "models/synth-prefill/manifest.json";
		const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
		await engine.load(model);
		// let the warm-up after the load finish (a user types for longer than it runs), so
		// that run 0 is not the engine's first, cold call (V8's baseline tier) as well
		for (let i = 0; i < 100 && (await engine.info()).warming; i++) await sleep(50);
		const runs = [];
		let last;
		for (let i = 0; i < 5; i++) {
			last = [i + 1, ...prompt.slice(1)];
			let events = 0;
			const started = performance.now();
			const p = engine.complete(last, { temperature: 0, maxTokens: 8 }, () => { events++; });
			await sleep(300 + 50 * i);
			const t0 = performance.now();
			engine.cancel();
			const r = await p;
			const cancelMs = performance.now() - t0;
			const info = await engine.info();
			runs.push({ waitMs: t0 - started, cancelMs, stopReason: r.stats.stop_reason, tokens: r.tokens.length, events, cached: info.cached_tokens });
		}
		// reuses the chunks finished before the last cancel, recomputes the positions the
		// cancelled chunk had half written
		const short = last.slice(0, 600);
		const after = await engine.complete(short, { temperature: 0, maxTokens: 12 });
		await engine.load(model);
		const fresh = await engine.complete(short, { temperature: 0, maxTokens: 12 });
		const full = await engine.complete([99, ...prompt.slice(1)], { temperature: 0, maxTokens: 1 });
		return { runs, after: after.tokens, afterStop: after.stats.stop_reason, fresh: fresh.tokens, prefillS: full.stats.prefill_s, simd: engine.simd };`,
		mustJSON(prompt)), &res)
	t.Logf("simd=%v; an uncancelled 1,000-token prefill takes %.0f ms", res.SIMD, res.PrefillS*1000)
	for i, r := range res.Runs {
		t.Logf("run %d: cancel sent %.0f ms after complete, done %.1f ms later (stop %q, %d tokens, %d cached)", i, r.WaitMS, r.CancelMS, r.StopReason, r.Tokens, r.Cached)
		if r.StopReason != "cancelled" || r.Tokens != 0 || r.Events != 0 {
			t.Errorf("run %d: stop reason %q, %d tokens, %d events: the cancel did not land in the prefill", i, r.StopReason, r.Tokens, r.Events)
		}
		if r.CancelMS >= 100 {
			t.Errorf("run %d: done came %.1f ms after the cancel, want < 100 ms", i, r.CancelMS)
		}
		if r.Cached%128 != 0 || r.Cached >= len(prompt) {
			t.Errorf("run %d: %d tokens cached after the cancel, want whole 128-token chunks", i, r.Cached)
		}
	}
	if res.AfterStop != "length" || len(res.After) != 12 || fmt.Sprint(res.After) != fmt.Sprint(res.Fresh) {
		t.Fatalf("after the cancels: %v (stop %q), a fresh engine: %v", res.After, res.AfterStop, res.Fresh)
	}
}
