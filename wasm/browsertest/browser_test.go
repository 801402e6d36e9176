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
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/modelstore"
	"hearth/internal/shared"
)

const chromium = "/usr/bin/chromium"

// site builds the bundle into a temp folder once and adds stories260K (and a copy with a
// corrupt shard).
func site(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("Chromium not installed (apt-get install chromium); ./build.sh test installs it")
	}
	model := shared.Path(t, "models", "stories260K.gguf")
	dir := t.TempDir()
	root := shared.RepoRoot()
	cmd := exec.Command("go", "run", "./web/build", "--out", dir)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("web/build: %v\n%s", err, out)
	}
	if _, err := modelstore.Add(model, modelstore.Options{Static: dir, ID: "stories260K", ShardSize: 256 << 10}); err != nil {
		t.Fatal(err)
	}
	m, err := modelstore.Add(model, modelstore.Options{Static: dir, ID: "corrupt", ShardSize: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "models", "corrupt", m.Shards[1].File)
	b, _ := os.ReadFile(bad)
	b[100] ^= 0xff
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// serve serves dir on loopback, as a plain static host would (no special headers).
func serve(t *testing.T, dir string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

func browser(t *testing.T) context.Context {
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
	ctx, cancel3 := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// engineJS makes a HearthEngine from the page's asset list.
const engineJS = `
const assets = JSON.parse(document.getElementById("hearth-assets").textContent);
const abs = (u) => new URL(u, document.baseURI).href;
const { HearthEngine } = await import(abs(assets.client));
const engine = new HearthEngine(abs(assets.worker));
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
	base := serve(t, dir)
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

	var loadErr string
	eval(t, ctx, `
		try { await engine.load("models/corrupt/manifest.json"); return "loaded"; }
		catch (e) { return String(e.message); }`, &loadErr)
	if !strings.Contains(loadErr, "corrupt") || !strings.Contains(loadErr, "shard-001") {
		t.Fatalf("corrupt shard: %q", loadErr)
	}
}
