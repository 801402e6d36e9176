// Package offlinetest tests Hearth's model downloads (web/worker/download.js) and offline
// support (web/app/sw.js) end to end, in headless Chromium against the real server on
// loopback: downloads that resume after a pause, a server stop and a page reload without
// fetching finished shards again; corrupt shards fetched again and never loaded; a raw
// .gguf from a second origin (CORS + Range); the cached-model list; the page and a cached
// model working with the network off and the server stopped; the service worker's update
// deleting the old shell cache.
package offlinetest

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"hearth/internal/modelstore"
	"hearth/internal/webtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	webtest.Cleanup()
	os.Exit(code)
}

// hearthJS makes window.hearth: the engine client module (HearthEngine and download.js's
// functions), imported under the name index.html's asset list gives it, plus the list and
// abs (a URL relative to the site's root). On a page other than the app's it reads the list
// from index.html.
const hearthJS = `window.hearth ??= (async () => {
	let el = document.getElementById("hearth-assets");
	if (!el) {
		const html = await (await fetch("/index.html", { cache: "no-store" })).text();
		el = new DOMParser().parseFromString(html, "text/html").getElementById("hearth-assets");
	}
	const assets = JSON.parse(el.textContent);
	const abs = (u) => new URL(u, location.origin + "/").href;
	const m = await import(abs(assets.client));
	return { ...m, assets, abs };
})();
`

// run evaluates an async function body in the page with H = the client module (see
// hearthJS) and decodes what it returns into out.
func run(b *webtest.Browser, body string, out any) {
	b.Eval(hearthJS+"(async () => { const H = await window.hearth;\n"+body+"\n})()", out)
}

// goldenJS loads the model at the URL in src with a fresh engine (download options in
// opts) and returns {text, info, first}: the greedy 32-token continuation of "Once upon a
// time", the model's info and the first progress report.
const goldenJS = `
	const engine = new H.HearthEngine(H.abs(H.assets.worker));
	try {
		let first = null;
		const info = await engine.load(src, Object.assign({ onProgress: (p) => { first ??= p; } }, opts));
		let text = "";
		await engine.complete("Once upon a time", { temperature: 0, maxTokens: 32 }, (e) => { if (e.type === "text") text += e.text; });
		return { text, info, first };
	} finally {
		engine.terminate();
	}`

type progress struct {
	Loaded         int64    `json:"loaded"`
	Total          int64    `json:"total"`
	CachedBytes    int64    `json:"cachedBytes"`
	BytesPerSecond float64  `json:"bytesPerSecond"`
	EtaSeconds     *float64 `json:"etaSeconds"`
}

type golden struct {
	Text  string         `json:"text"`
	Info  map[string]any `json:"info"`
	First progress       `json:"first"`
}

// loadAndComplete runs goldenJS for src and checks the text against llama.cpp's.
func loadAndComplete(t *testing.T, b *webtest.Browser, src, opts string) golden {
	t.Helper()
	if opts == "" {
		opts = "{}"
	}
	var g golden
	run(b, "const src = "+quote(src)+"; const opts = "+opts+";"+goldenJS, &g)
	if webtest.TestModel() != "" {
		if want := webtest.GoldenText(t, "Once upon a time"); g.Text != want {
			t.Errorf("greedy continuation of %s:\n got %q\nwant %q", src, g.Text, want)
		}
	} else if g.Text == "" {
		t.Errorf("%s: no text generated", src)
	}
	return g
}

func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// shardIndex maps each shard file of the manifest to its index.
func shardIndex(man *modelstore.Manifest) map[string]int {
	m := map[string]int{}
	for i, s := range man.Shards {
		m[s.File] = i
	}
	return m
}

// waitFor polls an expression whose value may be a promise until it is truthy (the
// harness's WaitFor does not await), or fails after d.
func waitFor(t *testing.T, b *webtest.Browser, what, js string, d time.Duration) {
	t.Helper()
	end := time.Now().Add(d)
	for {
		var ok bool
		b.Eval("(async () => !!(await ("+js+")))()", &ok)
		if ok {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s: %s still false after %v (page problems: %q)", what, js, d, b.Problems())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// etagOf asks the server for a file's ETag.
func etagOf(t *testing.T, fileURL string) string {
	t.Helper()
	res, err := http.Head(fileURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Header.Get("ETag")
}
