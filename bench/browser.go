package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts a fresh headless Chromium with a new profile (the flags of
// wasm/browsertest, plus eager memory measurement so measureUserAgentSpecificMemory answers
// at once); cancel stops it and removes its profile. Every run gets its own, so the peak
// RSS read at the end of a run is that run's alone.
func browser(parent context.Context, chromium string) (context.Context, context.CancelFunc, error) {
	if _, err := os.Stat(chromium); err != nil {
		return nil, nil, fmt.Errorf("no Chromium at %s (apt-get install chromium; ./build.sh bench installs it)", chromium)
	}
	profile, err := os.MkdirTemp("", "hearth-bench-chromium-")
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("enable-blink-features", "ForceEagerMeasureMemory"),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1100, 800),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		os.RemoveAll(profile)
		return nil, nil, fmt.Errorf("starting Chromium: %w", err)
	}
	return ctx, func() { cancelCtx(); cancelAlloc(); os.RemoveAll(profile) }, nil
}

// runResult is what bench.js returns for one run, plus the renderer's peak RSS.
type runResult struct {
	Available       bool    `json:"available"`
	Reason          string  `json:"reason"`
	Threads         int     `json:"threads"`
	LoadS           float64 `json:"load_s"`
	PrefillTPS      float64 `json:"prefill_tps"`
	DecodeTPS       float64 `json:"decode_tps"`
	WasmMemoryBytes float64 `json:"wasm_memory_bytes"`
	RSSBytes        int64   `json:"-"` // max VmHWM over the page renderer processes
	Renderers       string  `json:"-"` // every renderer's VmHWM, for the progress line
}

// runOnce starts a fresh Chromium, opens the bench page and calls fn (benchHearth or
// benchWllama; "" only opens the page) with args, for at most limit; then, before
// Chromium is closed, it reads the renderers' peak RSS from /proc.
func runOnce(chromium, base, fn string, args any, limit time.Duration) (*runResult, error) {
	a, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	tctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	ctx, closeBrowser, err := browser(tctx, chromium)
	if err != nil {
		return nil, err
	}
	defer closeBrowser()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"bench.html")); err != nil {
		return nil, fmt.Errorf("bench page: %w", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool]("typeof window.benchHearth === 'function'")); err != nil {
		return nil, fmt.Errorf("bench page: bench.js did not start: %w", err)
	}
	isolated, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("self.crossOriginIsolated === true"))
	if err != nil {
		return nil, err
	}
	if !isolated {
		return nil, fmt.Errorf("the bench page is not cross-origin isolated (COOP/COEP headers missing?)")
	}
	r := runResult{Available: true}
	if fn != "" {
		r, err = chromedp.Run(ctx, chromedp.Evaluate[runResult](fmt.Sprintf("window.%s(%s)", fn, a), chromedp.EvalAwaitPromise))
		if err != nil {
			return nil, err
		}
	}
	c := chromedp.FromContext(ctx)
	if c == nil || c.Browser == nil || c.Browser.Process() == nil {
		return nil, fmt.Errorf("no Chromium process to read the RSS of")
	}
	rs, err := renderers(c.Browser.Process().Pid)
	if err != nil {
		return nil, err
	}
	r.RSSBytes, r.Renderers = pagePeak(rs), describe(rs)
	return &r, nil
}
