//go:build !js

package browsertest

import (
	"fmt"
	"slices"
	"testing"
)

// TestBrowserWarmUp: after a load the worker runs a warm-up pass (wasm/warm.go, 64 made-up
// prompt tokens and 64 decode steps) and forgets it: info says so (warming, then
// warmed_tokens 128, cached_tokens 0) and the first completion answers as on an engine made
// with {warmUp: false}, which runs none. A request sent at once after the load stops the
// warm-up and answers the same; one queued behind the load is served first, and the warm-up
// then never runs, so the conversation it cached survives.
func TestBrowserWarmUp(t *testing.T) {
	dir := site(t)
	addPrefillModel(t, dir)
	ctx := openBlankPage(t, dir, false)
	var res struct {
		Warming     []bool  `json:"warming"`
		Warmed      int     `json:"warmed"`
		Cached      int     `json:"cached"`
		First       []int32 `json:"first"`
		FirstCached int     `json:"firstCached"`
		Cold        []int32 `json:"cold"`
		ColdWarmed  int     `json:"coldWarmed"`
		Hurried     []int32 `json:"hurried"`
		HurriedWarm int     `json:"hurriedWarmed"`
		Queued      []int32 `json:"queued"`
		QueuedWarm  int     `json:"queuedWarmed"`
		Again       int     `json:"againCached"`
		AgainPrompt int     `json:"againPrompt"`
	}
	prompt := make([]int32, 40)
	for i := range prompt {
		prompt[i] = int32(20 + 3*i)
	}
	evalPage(t, ctx, fmt.Sprintf(`
		const assets = JSON.parse(document.getElementById("hearth-assets").textContent);
		const abs = (u) => new URL(u, document.baseURI).href;
		const { HearthEngine } = await import(abs(assets.client));
		const model = "models/synth-prefill/manifest.json";
		const prompt = %s;
		const greedy = { temperature: 0, maxTokens: 8 };
		const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
		const settled = async (e) => {
			for (let i = 0; i < 400; i++) {
				const info = await e.info();
				if (!info.warming) return info;
				await sleep(25);
			}
			throw new Error("still warming after 10 s");
		};
		const out = {};
		const warm = new HearthEngine(abs(assets.worker), { threads: 1 });
		await warm.load(model, { contextSize: 512 });
		out.warming = [(await warm.info()).warming];
		const info = await settled(warm);
		out.warmed = info.warmed_tokens; out.cached = info.cached_tokens;
		const first = await warm.complete(prompt, greedy);
		out.first = first.tokens; out.firstCached = first.stats.cached_tokens;

		const cold = new HearthEngine(abs(assets.worker), { threads: 1, warmUp: false });
		await cold.load(model, { contextSize: 512 });
		await sleep(200);
		out.cold = (await cold.complete(prompt, greedy)).tokens;
		out.coldWarmed = (await cold.info()).warmed_tokens;
		cold.terminate();

		// a request at once after the load
		await warm.load(model, { contextSize: 512 });
		out.hurried = (await warm.complete(prompt, greedy)).tokens;
		out.hurriedWarmed = (await settled(warm)).warmed_tokens;
		// a request queued behind the load (sent once the load has started in the worker:
		// as its first bytes arrive), then its conversation continued
		let queued = null;
		await warm.load(model, { contextSize: 512, onProgress: () => { queued = queued || warm.complete(prompt, greedy); } });
		if (!queued) throw new Error("the load reported no progress");
		out.queued = (await queued).tokens;
		await sleep(300);
		out.queuedWarmed = (await settled(warm)).warmed_tokens;
		const again = await warm.complete(prompt.concat(out.queued), greedy);
		out.againCached = again.stats.cached_tokens; out.againPrompt = again.stats.prompt_tokens;
		warm.terminate();
		return out;`, mustJSON(prompt)), &res)
	t.Logf("%+v", res)
	if res.Warmed != 128 || res.Cached != 0 {
		t.Errorf("after the warm-up: warmed_tokens %d, cached_tokens %d; want 128 and 0", res.Warmed, res.Cached)
	}
	if len(res.First) != 8 || res.FirstCached != 0 || !slices.Equal(res.First, res.Cold) {
		t.Errorf("first completion after the warm-up %v (cached %d), with no warm-up %v", res.First, res.FirstCached, res.Cold)
	}
	if res.ColdWarmed != 0 {
		t.Errorf("{warmUp: false}: warmed_tokens %d, want 0", res.ColdWarmed)
	}
	if !slices.Equal(res.Hurried, res.Cold) {
		t.Errorf("a completion sent at once after the load: %v, want %v", res.Hurried, res.Cold)
	}
	if !slices.Equal(res.Queued, res.Cold) || res.QueuedWarm != 0 {
		t.Errorf("a completion queued behind the load: %v (warm-up after it: %d tokens), want %v and none", res.Queued, res.QueuedWarm, res.Cold)
	}
	if res.Again != len(prompt)+len(res.Queued)-1 && res.Again != len(prompt)+len(res.Queued) {
		t.Errorf("continuing the queued completion's conversation reused %d of %d tokens: the cache was dropped", res.Again, res.AgainPrompt)
	}
}
