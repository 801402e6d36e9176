package offlinetest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// goOffline cuts the tab (and its service worker) off the network, as DevTools' Offline
// does, and tells the page so (navigator.onLine false).
func goOffline(b *webtest.Browser) {
	yes := true
	b.Do("go offline", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &yes,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
}

// swVersion asks the controlling service worker which version it is ("" with none).
const swVersionJS = `new Promise((resolve) => {
	const sw = navigator.serviceWorker.controller;
	if (!sw) return resolve("");
	const ch = new MessageChannel();
	ch.port1.onmessage = (e) => resolve(e.data.version);
	sw.postMessage({ type: "hearth-sw-version" }, [ch.port2]);
})`

// TestOfflineReload loads the model through the app's UI online, then stops the server
// and takes the browser offline: a reload opens the app from the service worker's cache
// (still cross-origin isolated), the model index and the model come from the caches, and
// a greedy reply to "Once upon a time", typed into the app, is llama.cpp's continuation.
func TestOfflineReload(t *testing.T) {
	dir, _ := webtest.Site(t)
	srv := webtest.StartServer(t, dir)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open the app", chromedp.Navigate(srv.URL))
	waitFor(t, b, "the service worker controls the page", swVersionJS, 30*time.Second)
	// greedy, 32 tokens: llama.cpp's golden run (the app keeps its settings in the browser)
	setSetting(t, b, "max_tokens", "32")
	setSetting(t, b, "temperature", "0")
	loadInApp(b)
	b.CheckClean()

	srv.Stop()
	goOffline(b)
	b.Allow(`net::ERR_INTERNET_DISCONNECTED|net::ERR_CONNECTION_REFUSED`)
	start := time.Now()
	b.Do("reload offline", chromedp.Navigate(srv.URL))
	t.Logf("the app opened offline in %v", time.Since(start).Round(time.Millisecond))
	var page struct {
		Online     bool     `json:"online"`
		Isolated   bool     `json:"isolated"`
		Controlled bool     `json:"controlled"`
		Title      string   `json:"title"`
		Models     []string `json:"models"`
		Cached     []struct {
			ID       string `json:"id"`
			Complete bool   `json:"complete"`
			Bytes    int64  `json:"bytes"`
		} `json:"cached"`
	}
	run(b, `const index = await (await fetch("models/index.json", { cache: "no-cache" })).json();
		return { online: navigator.onLine, isolated: self.crossOriginIsolated, controlled: !!navigator.serviceWorker.controller,
			title: document.title, models: index.models.map((m) => m.id), cached: await H.listCachedModels() };`, &page)
	if page.Online || !page.Isolated || !page.Controlled || page.Title != "Hearth" {
		t.Errorf("offline page: onLine %v, crossOriginIsolated %v, controlled %v, title %q", page.Online, page.Isolated, page.Controlled, page.Title)
	}
	if len(page.Models) == 0 || page.Models[0] != webtest.ModelID {
		t.Errorf("model index offline: %v", page.Models)
	}
	if len(page.Cached) != 1 || page.Cached[0].ID != webtest.ModelID || !page.Cached[0].Complete {
		t.Errorf("cached models offline: %+v", page.Cached)
	}
	b.WaitFor("the picker lists the model", `document.querySelectorAll("#model option[value]").length > 0 && !document.getElementById("load").disabled`, 10*time.Second)
	b.Screenshot("offline-reload")

	// The worker script comes from the shell cache, and still sees its ?threads and ?simd.
	var workers []struct {
		SIMD    bool `json:"simd"`
		Threads int  `json:"threads"`
	}
	run(b, `const out = [];
		for (const o of [{ threads: 1, simd: false }, { threads: 2, simd: true }]) {
			const e = new H.HearthEngine(H.abs(H.assets.worker), o);
			await e.ready;
			out.push({ simd: e.simd, threads: e.threads });
			e.terminate();
		}
		return out;`, &workers)
	if len(workers) != 2 || workers[0].SIMD || workers[0].Threads != 1 || !workers[1].SIMD || workers[1].Threads != 2 {
		t.Errorf("engine workers started offline with {threads: 1, simd: false} and {threads: 2}: %+v", workers)
	}

	loadInApp(b)
	b.Do("focus the composer", chromedp.Focus("#message"))
	b.Do("type", chromedp.KeyEvent("Once upon a time"))
	b.Do("press Enter", chromedp.KeyEvent("\r"))
	b.WaitFor("the reply", `document.querySelectorAll("#transcript .message.assistant:not(.pending) .meta:not(:empty)").length === 1 && !document.querySelector("#transcript .pending")`, 60*time.Second)
	var reply string
	b.Eval(`[...document.querySelectorAll("#transcript .message.assistant .body")].pop().textContent`, &reply)
	if webtest.TestModel() != "" {
		if want := webtest.GoldenText(t, "Once upon a time"); reply != want {
			t.Errorf("offline reply:\n got %q\nwant %q", reply, want)
		}
	} else if reply == "" {
		t.Error("no offline reply")
	}
	b.Screenshot("offline-chat")
	b.CheckClean()
}

// setSetting types a value into a field of the app's settings panel, as a user does.
func setSetting(t *testing.T, b *webtest.Browser, name, value string) {
	t.Helper()
	sel := "#set-" + name
	b.Do("open the settings", chromedp.Click("#open-settings", chromedp.NodeVisible))
	b.Eval(`(() => { const el = document.querySelector(`+quote(sel)+`); el.focus(); el.select(); return true })()`, nil)
	b.Do("type into "+sel, chromedp.KeyEvent(value))
	var got string
	b.Eval(`document.querySelector(`+quote(sel)+`).value`, &got)
	if got != value {
		t.Fatalf("setting %s: the field holds %q after typing %q", name, got, value)
	}
	b.Do("close the settings", chromedp.Click("#settings-done", chromedp.NodeVisible))
	b.WaitFor("the settings closed", `!document.getElementById("settings").open`, 5*time.Second)
}

// loadInApp presses the app's Load (the picked model is the served stories260K) and waits
// until the app says the model is ready.
func loadInApp(b *webtest.Browser) {
	b.WaitFor("the picker lists the model", `!document.getElementById("load").disabled`, 20*time.Second)
	b.Do("press Load", chromedp.Click("#load", chromedp.NodeVisible))
	b.WaitFor("the model loaded", `!document.getElementById("send").disabled && /ready/.test(document.getElementById("status").textContent)`, 60*time.Second)
}

// TestServiceWorkerUpdate: Chromium finds the app installable (Page.getInstallabilityErrors:
// manifest, icons, service worker); the service worker precaches the app shell under its version;
// a new sw.js (a new build) takes over, and its activation deletes the old shell caches
// but keeps the downloaded models.
func TestServiceWorkerUpdate(t *testing.T) {
	dir, _ := webtest.Site(t)
	srv := webtest.StartServer(t, dir)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open the app", chromedp.Navigate(srv.URL))
	waitFor(t, b, "the service worker controls the page", swVersionJS, 30*time.Second)
	waitFor(t, b, "the first service worker activated", `navigator.serviceWorker.getRegistration().then((r) =>
		r.active && r.active.state === "activated" && !r.installing && !r.waiting)`, 30*time.Second)
	var v1 string
	b.Eval(swVersionJS, &v1)
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(v1) {
		t.Fatalf("service worker version %q", v1)
	}

	// installable: Chromium finds nothing missing (manifest, icons, service worker)
	var installErrs []string
	b.Do("installability", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		res, err := cdp.Call(ctx, tg, page.GetInstallabilityErrors, cdp.Empty{})
		for _, e := range res.InstallabilityErrors {
			var args []string
			for _, a := range e.ErrorArguments {
				args = append(args, a.Name+"="+a.Value)
			}
			installErrs = append(installErrs, e.ErrorID+" "+strings.Join(args, " "))
		}
		return err
	}))
	if len(installErrs) > 0 {
		t.Errorf("Chromium says the app is not installable: %q", installErrs)
	}

	// the shell cache holds the page and every asset it names
	var missing []string
	run(b, `const shell = await caches.open("hearth-shell-" + `+quote(v1)+`);
		const have = new Set((await shell.keys()).map((r) => r.url));
		const a = H.assets;
		const want = ["index.html", a.manifest, a.script, a.style, a.icon, a.client, a.worker, a.engine, a.wasmExec,
			...Object.values(a.engineFiles || {})].map(H.abs);
		return want.filter((u) => !have.has(u));`, &missing)
	if len(missing) > 0 {
		t.Errorf("not precached: %v", missing)
	}

	// a planted old shell cache and a model entry, then a new build's sw.js
	run(b, `await (await caches.open("hearth-shell-0123456789ab")).put(H.abs("old.js"), new Response("old"));
		await (await caches.open("hearth-models")).put(H.abs("models/kept/manifest.json"), new Response("{}"));
		return true;`, nil)
	const v2 = "fedcba987654"
	swPath := filepath.Join(dir, "sw.js")
	sw, err := os.ReadFile(swPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sw), `"`+v1+`"`) {
		t.Fatalf("sw.js does not contain its version %q", v1)
	}
	os.Remove(swPath + ".br")
	os.Remove(swPath + ".gz")
	if err := os.WriteFile(swPath, []byte(strings.ReplaceAll(string(sw), v1, v2)), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	os.Chtimes(swPath, later, later)
	// The browser checks for a new sw.js on navigations and on update(): ask until it is
	// installed and in control.
	defer func() {
		if t.Failed() {
			var diag any
			run(b, `const r = await navigator.serviceWorker.getRegistration();
				const st = (w) => w && w.state;
				const v = await Promise.race([`+swVersionJS+`, new Promise((res) => setTimeout(res, 2000, "no answer"))]);
				return { installing: st(r.installing), waiting: st(r.waiting), active: st(r.active), controller: st(navigator.serviceWorker.controller), v, caches: await caches.keys() };`, &diag)
			t.Logf("service worker state: %v", diag)
		}
	}()
	// The poll does not message the active worker while the new one waits: a message is an
	// event the old worker must finish, and Chromium activates the new one only when the old
	// one has no events in flight.
	waitFor(t, b, "the new service worker installed and activated", `navigator.serviceWorker.getRegistration()
		.then((r) => r.installing || r.waiting ? false
			: caches.has("hearth-shell-`+v2+`").then((have) => have || r.update().then(() => false)))
		.catch(() => false)`, 30*time.Second)
	waitFor(t, b, "the new service worker controls the page", swVersionJS+`.then((v) => v === "`+v2+`")`, 10*time.Second)
	waitFor(t, b, "the old shell caches deleted", `caches.keys().then((ks) => ks.filter((k) => k.startsWith("hearth-shell-")).join() === "hearth-shell-`+v2+`")`, 10*time.Second)
	var kept bool
	b.Eval(`caches.open("hearth-models").then((c) => c.match("models/kept/manifest.json")).then((r) => !!r)`, &kept)
	if !kept {
		t.Error("the model cache lost an entry when the new service worker activated")
	}
	b.CheckClean()
}
