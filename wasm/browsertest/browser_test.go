//go:build !js

// Package browsertest runs the engine in real headless Chromium: the static bundle built
// by web/build, a model added with add-model, served on loopback, driven with chromedp.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

const chromium = "/usr/bin/chromium"

var (
	siteOnce sync.Once
	siteDir  string
	siteErr  error
)

// site builds the bundle into a temp folder once for all tests and adds stories260K (and
// a copy with a corrupt shard).
func site(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("Chromium not installed (apt-get install chromium); ./build.sh test installs it")
	}
	model := shared.Path(t, "models", "stories260K.gguf")
	siteOnce.Do(func() { siteDir, siteErr = buildSite(model) })
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	return siteDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if siteDir != "" {
		os.RemoveAll(siteDir)
	}
	os.Exit(code)
}

func buildSite(model string) (string, error) {
	dir, err := os.MkdirTemp("", "hearth-browsertest-")
	if err != nil {
		return "", err
	}
	root := shared.RepoRoot()
	cmd := exec.Command("go", "run", "./web/build", "--out", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("web/build: %v\n%s", err, out)
	}
	if _, err := modelstore.Add(model, modelstore.Options{Static: dir, ID: "stories260K", ShardSize: 256 << 10}); err != nil {
		return "", err
	}
	// the Q8_0 file runs the integer kernels (simd128 and relaxed SIMD: TestBrowserQ8_0)
	q8 := filepath.Join(filepath.Dir(model), "stories260K-Q8_0.gguf")
	if _, err := modelstore.Add(q8, modelstore.Options{Static: dir, ID: "stories260K-Q8_0"}); err != nil {
		return "", err
	}
	m, err := modelstore.Add(model, modelstore.Options{Static: dir, ID: "corrupt", ShardSize: 256 << 10})
	if err != nil {
		return "", err
	}
	bad := filepath.Join(dir, "models", "corrupt", m.Shards[1].File)
	b, err := os.ReadFile(bad)
	if err != nil {
		return "", err
	}
	b[100] ^= 0xff
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		return "", err
	}
	// a manifest of a model too big for the engine, whose shard does not exist
	huge := filepath.Join(dir, "models", "huge")
	if err := os.MkdirAll(huge, 0o755); err != nil {
		return "", err
	}
	return dir, os.WriteFile(filepath.Join(huge, "manifest.json"),
		[]byte(`{"id":"huge","file_size":5368709120,"shards":[{"file":"nope.bin","start":0,"end":5368709120}]}`), 0o644)
}

// serve serves dir on loopback, as a plain static host would (no special headers), or
// cross-origin isolated (COOP + COEP) as the Hearth server does, so threads can start.
func serve(t *testing.T, dir string, isolated bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = http.FileServer(http.Dir(dir))
	if isolated {
		files := h
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
			files.ServeHTTP(w, r)
		})
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func browser(t *testing.T) context.Context { return browserFor(t, 3*time.Minute) }

// browserFor is browser with a limit of d for everything the test does in it.
func browserFor(t *testing.T, d time.Duration) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1100, 800),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, d)
	t.Cleanup(cancel3)
	return ctx
}

// engineJS makes a HearthEngine from the page's asset list.
const engineJS = `
const assets = JSON.parse(document.getElementById("hearth-assets").textContent);
const abs = (u) => new URL(u, document.baseURI).href;
const { HearthEngine } = await import(abs(assets.client));
const engine = new HearthEngine(abs(assets.worker), { threads: window.hearthTestThreads || 0, simd: !window.hearthTestNoSIMD, relaxed: !window.hearthTestNoRelaxed, splitBytes: window.hearthTestSplitBytes || 0 });
`

func eval(t *testing.T, ctx context.Context, body string, out any) {
	t.Helper()
	js := "(async () => {" + engineJS + body + "})()"
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%v", err)
	}
	if err := json.Unmarshal(v, out); err != nil {
		t.Fatalf("%s: %v", v, err)
	}
}

// TestBrowserGolden loads stories260K in the worker and checks the greedy continuation of
// every golden prompt against llama.cpp's tokens; then a chat reply, cancel, and a corrupt
// shard.
func TestBrowserGolden(t *testing.T) {
	dir := site(t)
	base := serve(t, dir, false)
	raw, err := os.ReadFile(shared.Path(t, "golden", "stories260K.gguf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			ID              string  `json:"id"`
			PromptTokens    []int32 `json:"prompt_tokens"`
			GeneratedTokens []int32 `json:"generated_tokens"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"index.html")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.WaitVisible("#load")); err != nil {
		t.Fatal(err)
	}
	cases, _ := json.Marshal(g.Cases)
	var res struct {
		SIMD   bool      `json:"simd"`
		Tokens [][]int32 `json:"tokens"`
		Info   map[string]any
	}
	eval(t, ctx, fmt.Sprintf(`
		const cases = %s;
		const info = await engine.load("models/stories260K/manifest.json");
		const tokens = [];
		for (const c of cases) {
			const r = await engine.complete(c.prompt_tokens, { temperature: 0, maxTokens: 32 });
			tokens.push(r.tokens);
		}
		if (engine.threads !== 1) throw new Error("threads without cross-origin isolation: " + engine.threads);
		return { simd: engine.simd, tokens, info };`, cases), &res)
	for i, c := range g.Cases {
		if fmt.Sprint(res.Tokens[i]) != fmt.Sprint(c.GeneratedTokens) {
			t.Errorf("%s: browser %v, want %v", c.ID, res.Tokens[i], c.GeneratedTokens)
		}
	}
	t.Logf("browser: simd=%v, %d golden cases, info %v", res.SIMD, len(g.Cases), res.Info)

	// chat, then cancel a long reply: it must stop promptly and the engine stay usable
	var chat struct {
		Text      string  `json:"text"`
		Stopped   bool    `json:"stopped"`
		CancelMS  float64 `json:"cancelMs"`
		AfterText string  `json:"after"`
	}
	eval(t, ctx, `
		await engine.load("models/stories260K/manifest.json");
		let text = "";
		const first = await engine.generate([{ role: "user", content: "Once upon a time" }], { temperature: 0, maxTokens: 24 }, (e) => { if (e.type === "text") text += e.text; });
		let t0 = 0;
		const long = await engine.complete("Once upon a time", { temperature: 0.8, seed: 3, maxTokens: 100000 }, (e) => {
			if (e.type === "token" && t0 === 0) { t0 = performance.now(); engine.cancel(); }
		});
		const cancelMs = performance.now() - t0;
		const after = await engine.complete("The cat", { temperature: 0, maxTokens: 8 });
		return { text, stopped: long.stats.stop_reason === "cancelled", cancelMs, after: String(after.tokens.length) };`, &chat)
	if chat.Text == "" || !chat.Stopped || chat.AfterText != "8" {
		t.Fatalf("chat/cancel: %+v", chat)
	}
	t.Logf("chat reply %q; cancel took %.0f ms", chat.Text, chat.CancelMS)

	// the pure-Go fallback (a browser without SIMD) gives the same tokens
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.hearthTestNoSIMD = true; true")); err != nil {
		t.Fatal(err)
	}
	var fallback struct {
		SIMD   bool    `json:"simd"`
		Tokens []int32 `json:"tokens"`
	}
	eval(t, ctx, fmt.Sprintf(`
		await engine.load("models/stories260K/manifest.json");
		const r = await engine.complete(%s, { temperature: 0, maxTokens: 32 });
		return { simd: engine.simd, tokens: r.tokens };`, mustJSON(g.Cases[0].PromptTokens)), &fallback)
	if fallback.SIMD || fmt.Sprint(fallback.Tokens) != fmt.Sprint(g.Cases[0].GeneratedTokens) {
		t.Fatalf("Go-kernel fallback: simd=%v tokens %v, want %v", fallback.SIMD, fallback.Tokens, g.Cases[0].GeneratedTokens)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.hearthTestNoSIMD = false; true")); err != nil {
		t.Fatal(err)
	}

	// a model that cannot fit is refused before any download
	var tooBig string
	eval(t, ctx, `
		try { await engine.load("models/huge/manifest.json"); return "loaded"; } catch (e) { return String(e.message); }`, &tooBig)
	if !strings.Contains(tooBig, "at most") {
		t.Fatalf("oversized model: %q", tooBig)
	}

	var loadErr string
	eval(t, ctx, `
		try { await engine.load("models/corrupt/manifest.json"); return "loaded"; }
		catch (e) { return String(e.message); }`, &loadErr)
	if !strings.Contains(loadErr, "corrupt") || !strings.Contains(loadErr, "shard-001") {
		t.Fatalf("corrupt shard: %q", loadErr)
	}
}

// TestBrowserThreads runs the golden check cross-origin isolated with 2 threads: the
// engine's memory is made shared, a helper worker takes half the rows of every product,
// and the tokens are still llama.cpp's.
func TestBrowserThreads(t *testing.T) {
	dir := site(t)
	base := serve(t, dir, true)
	raw, err := os.ReadFile(shared.Path(t, "golden", "stories260K.gguf.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			PromptTokens    []int32 `json:"prompt_tokens"`
			GeneratedTokens []int32 `json:"generated_tokens"`
		} `json:"cases"`
	}
	json.Unmarshal(raw, &g)
	ctx := browser(t)
	if _, err := chromedp.Run(ctx, chromedp.Navigate(base+"index.html")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("window.hearthTestThreads = 2; window.hearthTestSplitBytes = 1; true")); err != nil {
		t.Fatal(err)
	}
	cases, _ := json.Marshal(g.Cases)
	var res struct {
		Threads  int       `json:"threads"`
		Isolated bool      `json:"isolated"`
		Tokens   [][]int32 `json:"tokens"`
		Split    int       `json:"split"`
	}
	eval(t, ctx, fmt.Sprintf(`
		const cases = %s;
		await engine.load("models/stories260K/manifest.json");
		const tokens = [];
		for (const c of cases) tokens.push((await engine.complete(c.prompt_tokens, { temperature: 0, maxTokens: 32 })).tokens);
		const info = await engine.info();
		return { threads: engine.threads, isolated: self.crossOriginIsolated, tokens, split: info.split_products || 0 };`, cases), &res)
	if !res.Isolated || res.Threads != 2 {
		t.Fatalf("isolated=%v threads=%d, want an isolated page with 2 threads", res.Isolated, res.Threads)
	}
	// splitBytes 1: every product with enough rows went through the helper, not just the
	// engine's own thread.
	if res.Split == 0 {
		t.Fatal("no product was split across the threads")
	}
	t.Logf("%d products split across 2 threads", res.Split)
	for i, c := range g.Cases {
		if fmt.Sprint(res.Tokens[i]) != fmt.Sprint(c.GeneratedTokens) {
			t.Errorf("case %d with 2 threads: %v, want %v", i, res.Tokens[i], c.GeneratedTokens)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
