package browsertest

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

var cpuProfile = flag.String("browser.cpuprofile", "", "run TestBrowserCPUProfile: write a V8 CPU profile (.cpuprofile, Chrome DevTools format) of the engine worker decoding 64 tokens of a SmolLM2-135M-shaped file (-browser.profile.type), 1 thread, to this file")

var cpuProfilePhase = flag.String("browser.cpuprofile.phase", "decode", "what TestBrowserCPUProfile profiles: decode (64 tokens after a 64-token prompt) or prefill (a 64-token prompt)")

// TestBrowserCPUProfile is a measurement, not a check (behind -browser.cpuprofile): V8's
// sampling profiler on the engine worker (a DevTools session attached to it) while it
// decodes. Functions show as wasm-function[i]: in the engine, i is the function's index
// in the name section of `GOOS=js GOARCH=wasm go build -trimpath ./wasm` (the shipped
// build strips the names, not the functions); in the kernel module, its index in
// wasm/simd/gen's Kernels list.
func TestBrowserCPUProfile(t *testing.T) {
	if *cpuProfile == "" {
		t.Skip("a measurement: go test ./wasm/browsertest -run TestBrowserCPUProfile -browser.cpuprofile FILE")
	}
	ctx := profilePage(t)
	var ok bool
	evalPage(t, ctx, `
		const assets = JSON.parse(document.getElementById("hearth-assets").textContent);
		const abs = (u) => new URL(u, document.baseURI).href;
		const { HearthEngine } = await import(abs(assets.client));
		const e = new HearthEngine(abs(assets.worker), { threads: 1 });
		await e.load("models/profile/manifest.json", { contextSize: 512 });
		window.prompt64 = Array.from({ length: 64 }, (_, i) => 100 + 37 * i);
		// warm up as the bench does (two completions of other tokens): V8 runs the wasm in
		// its baseline tier until the hot functions are compiled by TurboFan
		for (const w of [window.prompt64.slice(1).reverse(), window.prompt64.slice(1)]) await e.complete(w, { temperature: 0, maxTokens: 32 });
		window.engine = e;
		return true;`, &ok)
	var workerID target.ID
	for deadline := time.Now().Add(10 * time.Second); workerID == "" && time.Now().Before(deadline); {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range infos {
			if in.Type == "worker" && strings.Contains(in.URL, "worker") {
				workerID = in.TargetID
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if workerID == "" {
		t.Fatal("no engine worker target")
	}
	wctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(workerID))
	defer cancel()
	if _, err := chromedp.Call(wctx, profiler.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(wctx, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(wctx, profiler.Start, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	body := `const r = await window.engine.complete(window.prompt64, { temperature: 0, maxTokens: 1 });
		const r2 = await window.engine.complete(window.prompt64.concat(r.tokens), { temperature: 0, maxTokens: 64 });
		return r2.stats;`
	if *cpuProfilePhase == "prefill" {
		body = `await window.engine.complete([1, 2, 3], { temperature: 0, maxTokens: 1 });
		const r = await window.engine.complete(window.prompt64, { temperature: 0, maxTokens: 1 });
		return r.stats;`
	}
	var stats map[string]any
	evalPage(t, ctx, body, &stats)
	res, err := chromedp.Call(wctx, profiler.Stop, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res.Profile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(*cpuProfile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Log(fmt.Sprintf("%s: %v; profile in %s", *cpuProfilePhase, stats, *cpuProfile))
}
