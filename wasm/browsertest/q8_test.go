package browsertest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserQ8_0 checks the integer kernels end to end in Chromium: stories260K-Q8_0's
// greedy continuation of every golden prompt through the relaxed-SIMD kernels (what
// Chromium picks), through the simd128 ones (what Safari and Firefox without relaxed SIMD
// run), and through both with 2 threads splitting every product, against llama.cpp's
// tokens (matchGreedy: equal but for a near tie); 2 threads give exactly 1 thread's tokens.
func TestBrowserQ8_0(t *testing.T) {
	dir := site(t)
	golden := readGolden(t, "stories260K-Q8_0.gguf.json")
	cases, _ := json.Marshal(golden)
	base := serve(t, dir, true)
	ctx := browser(t)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"index.html")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitVisible("#load")); err != nil {
		t.Fatal(err)
	}
	results := map[bool][][]int32{}
	for _, c := range []struct {
		relaxed bool
		threads int
	}{{true, 1}, {false, 1}, {true, 2}, {false, 2}} {
		var res struct {
			SIMD    bool      `json:"simd"`
			Relaxed bool      `json:"relaxed"`
			Threads int       `json:"threads"`
			Split   int       `json:"split"`
			Tokens  [][]int32 `json:"tokens"`
		}
		setup := fmt.Sprintf("window.hearthTestNoRelaxed = %v; window.hearthTestThreads = %d; window.hearthTestSplitBytes = %d; true",
			!c.relaxed, c.threads, map[bool]int{true: 1, false: 0}[c.threads > 1])
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](setup)); err != nil {
			t.Fatal(err)
		}
		eval(t, ctx, fmt.Sprintf(`
			const cases = %s;
			await engine.load("models/stories260K-Q8_0/manifest.json");
			const tokens = [];
			for (const c of cases) tokens.push((await engine.complete(c.prompt_tokens, { temperature: 0, maxTokens: 32 })).tokens);
			const info = await engine.info();
			engine.terminate();
			return { simd: engine.simd, relaxed: engine.relaxed, threads: engine.threads, split: info.split_products || 0, tokens };`, cases), &res)
		name := fmt.Sprintf("relaxed=%v threads=%d", c.relaxed, c.threads)
		if !res.SIMD || res.Relaxed != c.relaxed || res.Threads != c.threads || (c.threads > 1) != (res.Split > 0) {
			t.Fatalf("%s: engine ran simd=%v relaxed=%v threads=%d split products %d", name, res.SIMD, res.Relaxed, res.Threads, res.Split)
		}
		var ties []string
		for i, gc := range golden {
			step, err := matchGreedy(res.Tokens[i], gc)
			if err != nil {
				t.Errorf("%s: %s: %v\nbrowser   %v\nllama.cpp %v", name, gc.ID, err, res.Tokens[i], gc.GeneratedTokens)
			} else if step >= 0 {
				ties = append(ties, fmt.Sprintf("%s at step %d (margin %.4f)", gc.ID, step, gc.Steps.Margin[step]))
			}
		}
		if c.threads == 1 {
			results[c.relaxed] = res.Tokens
		} else if fmt.Sprint(res.Tokens) != fmt.Sprint(results[c.relaxed]) {
			t.Errorf("%s: the tokens differ from 1 thread's", name)
		}
		t.Logf("%s: %d golden cases, near ties taken the other way: %v; %d products split", name, len(golden), ties, res.Split)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.hearthTestNoRelaxed = false; window.hearthTestThreads = 0; window.hearthTestSplitBytes = 0; true")); err != nil {
		t.Fatal(err)
	}
}
