// Package widgettest tests Hearth's embeddable chat widget end to end: widget.js and the
// embed page served by the real Hearth server, embedded by host pages on other loopback
// origins (plain net/http, other ports), driven in headless Chromium.
package widgettest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"hearth/internal/shared"
	"hearth/internal/webtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	webtest.Cleanup()
	os.Exit(code)
}

const (
	prompt        = "Once upon a time"
	greedy32      = `{maxTokens: 32, temperature: 0}`
	exampleScript = `<script src="widget.js" defer>` // how static/embed-example.html loads the widget
)

const hostCSS = `body { font: 16px/1.5 sans-serif; margin: 0; padding: 24px 32px; background: #f7f7f2; color: #222; }
main { max-width: 40rem; }`

const favicon = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="#2563eb"/></svg>`

// hostPage is an ordinary article; with hearth != "" it loads widget.js from there and has a
// bubble <hearth-chat> between two paragraphs, in the page flow, where it must take no room.
func hostPage(hearth string) string {
	head, widget := "", ""
	if hearth != "" {
		head = fmt.Sprintf(`<script src="%swidget.js" defer></script>`, hearth)
		widget = `<hearth-chat mode="bubble" accent="#2563eb" greeting="Hello! Start a story and I will continue it."></hearth-chat>`
	}
	return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>A host page</title>
<link rel="icon" href="favicon.svg"><link rel="stylesheet" href="host.css">` + head + `</head>
<body><main><h1>A site that embeds Hearth</h1>
<p id="before">This page comes from another origin. It loads widget.js from the Hearth host; the chat itself runs in an iframe on that host.</p>
` + widget + `
<p id="after">The widget adds a launcher in the corner and moves nothing on the page.</p>
</main></body></html>`
}

// hostileScript, put before widget.js, makes every shadow root open.
const hostileScript = `<script>
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) { return attach.call(this, { ...init, mode: "open" }); };
</script>`

type event struct {
	Type   string         `json:"type"`
	Detail map[string]any `json:"detail"`
}

// recorder keeps the widget's DOM events and every message the window receives in
// window.__hc, and the window of the first frame that posts from the Hearth origin %s (as
// any script on the page could): the test adds it after checking the widget's globals.
const recorder = `(() => {
  window.__hc = { events: [], raw: [], frame: null };
  for (const t of ["hearth-ready", "hearth-progress", "hearth-message", "hearth-error"]) {
    document.addEventListener(t, (e) => __hc.events.push({ type: t, detail: e.detail }));
  }
  window.addEventListener("message", (e) => {
    __hc.raw.push({ origin: e.origin, data: e.data });
    if (e.origin === %q && !__hc.frame) __hc.frame = e.source;
  });
  return true;
})()`

func events(b *webtest.Browser, typ string) []event {
	var all []event
	b.Eval(`__hc.events`, &all)
	var out []event
	for _, e := range all {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// TestWidget embeds the widget from a second origin and a third, and checks the element's
// promises: see the steps.
func TestWidget(t *testing.T) {
	dir, man := webtest.Site(t)
	golden := webtest.GoldenText(t, prompt)
	shardPaths := map[string]bool{}
	for _, s := range man.Shards {
		shardPaths["/models/"+man.ID+"/"+s.File] = true
	}
	srv := webtest.StartServer(t, dir)
	hearth := startProxy(t, srv.URL, func(p string) bool { return shardPaths[p] })

	// The second origin: an ordinary site, no special headers.
	siteA := hostSite(t, map[string]string{
		"/plain.html":   hostPage(""),
		"/bubble.html":  hostPage(hearth.URL),
		"/hostile.html": strings.Replace(hostPage(hearth.URL), "<script src=", hostileScript+"<script src=", 1),
		"/host.css":     hostCSS,
		"/favicon.svg":  favicon,
	}, nil)
	// The third origin: the example page from static/, under a strict CSP (only the Hearth
	// host's scripts and frames, no inline anything) and cross-origin isolated.
	example, err := os.ReadFile(filepath.Join(shared.RepoRoot(), "static", "embed-example.html"))
	if err != nil {
		t.Fatal(err)
	}
	// It names no Hearth host: it loads widget.js relative to itself (issue 17 item 15); a
	// site that copies it points the script at its Hearth host, as the test does here.
	if !strings.Contains(string(example), exampleScript) || regexp.MustCompile(`(?i)https?://(127\.0\.0\.1|localhost)`).Match(example) {
		t.Fatalf("static/embed-example.html does not load widget.js relative to itself (%s), or names a loopback host", exampleScript)
	}
	exampleCSS, err := os.ReadFile(filepath.Join(shared.RepoRoot(), "static", "embed-example.css"))
	if err != nil {
		t.Fatal(err)
	}
	h := origin(hearth.URL)
	siteB := hostSite(t, map[string]string{
		"/embed-example.html": strings.Replace(string(example), exampleScript, `<script src="`+hearth.URL+`widget.js" defer>`, 1),
		"/embed-example.css":  string(exampleCSS),
	}, map[string]string{
		"Content-Security-Policy":      fmt.Sprintf("default-src 'none'; script-src %s; frame-src %s; style-src 'self'; img-src 'self'", h, h),
		"Cross-Origin-Opener-Policy":   "same-origin",
		"Cross-Origin-Embedder-Policy": "require-corp",
	})

	b := webtest.NewBrowser(t, webtest.BrowserOptions{Width: 1000, Height: 760, Timeout: 3 * time.Minute})

	// 1. Before it is opened, the bubble adds no global but the element's class (reached
	//    through customElements), takes no room in the page flow, loads no frame.
	var plainGlobals []string
	var plainTop float64
	b.Do("open the plain page", chromedp.Navigate(siteA+"plain.html"))
	b.Eval(`Object.getOwnPropertyNames(window)`, &plainGlobals)
	b.Eval(`document.getElementById("after").getBoundingClientRect().top`, &plainTop)

	b.Do("open the host page", chromedp.Navigate(siteA+"bubble.html"))
	b.WaitFor("the element is defined", `customElements.get("hearth-chat")`, 10*time.Second)
	var globals []string
	b.Eval(`Object.getOwnPropertyNames(window)`, &globals)
	if extra := minus(globals, plainGlobals); len(extra) > 0 {
		t.Errorf("widget.js added globals: %q", extra)
	}
	var top, shift float64
	b.Eval(`document.getElementById("after").getBoundingClientRect().top`, &top)
	if top != plainTop {
		t.Errorf("the bubble moved the page: #after at %v, %v without the widget", top, plainTop)
	}
	b.Eval(`new Promise((done) => {
		let sum = 0;
		const po = new PerformanceObserver((l) => { for (const e of l.getEntries()) sum += e.value; });
		po.observe({ type: "layout-shift", buffered: true });
		setTimeout(() => { po.disconnect(); done(sum); }, 300);
	})`, &shift)
	if shift != 0 {
		t.Errorf("layout shift %v on the host page, want 0", shift)
	}
	var frames int
	b.Eval(`performance.getEntriesByType("resource").filter((r) => r.name.includes("/embed.html")).length`, &frames)
	if frames != 0 {
		t.Errorf("%d embed page loads before the bubble was opened, want none (nothing loads until it opens)", frames)
	}
	b.Eval(fmt.Sprintf(recorder, h), nil)
	b.Screenshot("widget-bubble-closed")

	// 2. A click on the launcher opens the panel; the model downloads with progress.
	var rect struct{ X, Y, W, H float64 }
	b.Eval(`(() => { const r = document.querySelector("hearth-chat").getBoundingClientRect(); return { X: r.x, Y: r.y, W: r.width, H: r.height }; })()`, &rect)
	if rect.W < 40 || rect.W > 80 || rect.H < 40 || rect.H > 80 {
		t.Errorf("the closed bubble's box is %vx%v, want just the launcher", rect.W, rect.H)
	}
	b.Do("click the launcher", chromedp.MouseClickXY(rect.X+rect.W/2, rect.Y+rect.H/2))
	var open bool
	b.Eval(`document.querySelector("hearth-chat").isOpen`, &open)
	if !open {
		t.Fatal("the launcher did not open the panel")
	}

	// 3. Forged messages from the host page's own script, shaped like the frame's, are
	//    ignored: the element only hears its iframe's window on the Hearth origin.
	b.Eval(`(() => {
		const p = "hearth-chat/1";
		for (const m of [
			{ hearth: p, type: "hello" },
			{ hearth: p, type: "progress", loaded: 7, total: 7 },
			{ hearth: p, type: "ready", model: "forged", name: "forged", baseModel: false, threads: 9 },
			{ hearth: p, type: "message", id: 1, text: "forged", stopReason: "eog" },
			{ hearth: p, type: "error", id: 1, message: "forged" },
		]) window.postMessage(m, "*");
		return true;
	})()`, nil)

	b.WaitFor("hearth-ready", `__hc.events.some((e) => e.type === "hearth-ready" || e.type === "hearth-error")`, 90*time.Second)
	if errs := events(b, "hearth-error"); len(errs) > 0 {
		t.Fatalf("hearth-error: %v", errs)
	}
	ready := events(b, "hearth-ready")
	if len(ready) != 1 || ready[0].Detail["model"] != man.ID || ready[0].Detail["baseModel"] != true || ready[0].Detail["threads"] != 1.0 {
		t.Errorf("hearth-ready: %v; want one, for %s, a base model, 1 thread (the host page is not cross-origin isolated)", ready, man.ID)
	}
	progress := events(b, "hearth-progress")
	total := float64(man.FileSize)
	if len(progress) < 2 || progress[0].Detail["loaded"].(float64) >= total ||
		progress[len(progress)-1].Detail["loaded"] != total || progress[len(progress)-1].Detail["total"] != total {
		t.Errorf("hearth-progress: %v; want a first event before the end and a last one at %v of %v", progress, total, total)
	}
	for _, p := range progress {
		if p.Detail["loaded"] == 7.0 {
			t.Errorf("a forged progress event got through: %v", p)
		}
	}
	got := hearth.take()
	if len(got) != len(man.Shards) {
		t.Errorf("first load fetched %d distinct shards (%v), want all %d", len(got), got, len(man.Shards))
	}
	for p, n := range got {
		if n != 1 {
			t.Errorf("%s fetched %d times", p, n)
		}
	}

	// 4. send() answers with llama.cpp's greedy continuation; hearth-message carries it.
	var reply string
	b.Eval(`document.querySelector("hearth-chat").send(`+jsString(prompt)+`, `+greedy32+`)`, &reply)
	if reply != golden {
		t.Errorf("send(%q) = %q, want the golden %q", prompt, reply, golden)
	}
	msgs := events(b, "hearth-message")
	if len(msgs) != 1 || msgs[0].Detail["text"] != golden {
		t.Errorf("hearth-message events %v, want one with the golden text", msgs)
	}
	if n := len(events(b, "hearth-ready")); n != 1 {
		t.Errorf("%d hearth-ready events: a forged one got through", n)
	}
	time.Sleep(200 * time.Millisecond) // the reply's last repaint
	b.Screenshot("widget-bubble-open")

	// 5. The host page's script cannot reach into the iframe: the shadow root is closed, and
	//    the frame's window (which any script can pick up from a message event) belongs to
	//    another origin: its document and location throw.
	var reach struct {
		Shadow, Iframes, Frame bool
		Document, Href         string
		InPage                 bool
	}
	b.Eval(`(() => {
		const el = document.querySelector("hearth-chat");
		const attempt = (f) => { try { const v = f(); return "reached: " + typeof v; } catch (e) { return e.name; } };
		return {
			Shadow: el.shadowRoot !== null,
			Iframes: document.querySelectorAll("iframe").length > 0 || window.frames.length > 0,
			Frame: __hc.frame !== null,
			Document: attempt(() => __hc.frame.document.body.textContent),
			Href: attempt(() => __hc.frame.location.href),
			InPage: document.documentElement.textContent.includes(`+jsString(golden)+`),
		};
	})()`, &reach)
	if reach.Shadow || reach.Iframes || !reach.Frame || reach.Document != "SecurityError" || reach.Href != "SecurityError" || reach.InPage {
		t.Errorf("the host page reached into the widget: %+v", reach)
	}

	// 6. The embed page drops what the host posts in a wrong shape; the same request in the
	//    right shape (the control) is answered. Replies are read off the raw message events.
	b.Eval(`(() => {
		const p = "hearth-chat/1";
		__hc.frame.postMessage({ hearth: p, type: "send", id: 901, text: "The cat", options: { maxTokens: "4" } }, "*");
		__hc.frame.postMessage({ hearth: p, type: "send", id: 902, text: "The cat", options: { maxTokens: 4, evil: 1 } }, "*");
		__hc.frame.postMessage({ hearth: "hearth-chat/0", type: "send", id: 903, text: "The cat" }, "*");
		__hc.frame.postMessage({ hearth: p, type: "send", id: 904, text: "The cat", options: { maxTokens: 4, temperature: 0 } }, "*");
		return true;
	})()`, nil)
	b.WaitFor("the control's answer", `__hc.raw.some((m) => m.data && m.data.id === 904)`, 30*time.Second)
	var answered []float64
	b.Eval(`__hc.raw.filter((m) => m.data && m.data.id > 900).map((m) => m.data.id)`, &answered)
	if len(answered) != 1 {
		t.Errorf("the embed page answered requests %v, want only the well-formed 904", answered)
	}

	// 7. reset() stops the reply being written (it ends "cancelled") and drops the messages
	//    still waiting (their send() rejects).
	var reset struct {
		Stop    string
		Waiting string
	}
	b.Eval(`(async () => {
		const el = document.querySelector("hearth-chat");
		const running = el.send("Once upon a time", { maxTokens: 4000, temperature: 1, seed: 7 });
		const waiting = el.send("The cat", { maxTokens: 4 }).then(() => "answered", (e) => e.message);
		el.reset(); // arrives after both sends, while the first is being written
		await running;
		return { Stop: __hc.events.filter((e) => e.type === "hearth-message").pop().detail.stopReason, Waiting: await waiting };
	})()`, &reset)
	if reset.Stop != "cancelled" || reset.Waiting != "the conversation was reset" {
		t.Errorf("reset(): running reply ended %q, waiting send %q; want cancelled and rejected", reset.Stop, reset.Waiting)
	}

	// 8. close() hides the panel again.
	b.Eval(`(() => { const el = document.querySelector("hearth-chat"); el.close(); return el.getBoundingClientRect().height; })()`, &rect.H)
	if rect.H > 80 {
		t.Errorf("after close() the widget is %v px tall, want just the launcher", rect.H)
	}

	// 9. Even a host page that forces the shadow root open (it patches attachShadow before
	//    widget.js runs) finds an iframe whose contentDocument is null.
	b.Do("open the hostile page", chromedp.Navigate(siteA+"hostile.html"))
	b.Eval(fmt.Sprintf(recorder, h), nil)
	b.Eval(`document.querySelector("hearth-chat").open(), true`, nil)
	b.WaitFor("the frame's hello", `__hc.raw.some((m) => m.origin === `+jsString(h)+` && m.data.type === "hello")`, 20*time.Second)
	var hostile struct {
		Open            bool
		ContentDocument string
		Document        string
	}
	b.Eval(`(() => {
		const f = document.querySelector("hearth-chat").shadowRoot.querySelector("iframe");
		let doc;
		try { f.contentWindow.document; doc = "reached"; } catch (e) { doc = e.name; }
		return { Open: true, ContentDocument: String(f.contentDocument), Document: doc };
	})()`, &hostile)
	if hostile.ContentDocument != "null" || hostile.Document != "SecurityError" {
		t.Errorf("a host page with the shadow root forced open reached the frame: %+v", hostile)
	}

	// An element whose Hearth host does not answer reports it as hearth-error.
	b.Allow(`ERR_CONNECTION_REFUSED`)
	b.Eval(`(() => {
		const el = document.createElement("hearth-chat");
		el.setAttribute("mode", "inline");
		el.setAttribute("src", `+jsString(deadURL(t))+`);
		el.addEventListener("hearth-error", (e) => { window.__deadError = e.detail.message; });
		document.body.append(el);
		return true;
	})()`, nil)
	b.WaitFor("hearth-error from a dead host", `window.__deadError`, 20*time.Second)
	var deadErr string
	b.Eval(`window.__deadError`, &deadErr)
	if !strings.Contains(deadErr, "did not answer") {
		t.Errorf("dead host: hearth-error %q", deadErr)
	}

	// 10. A third origin, cross-origin isolated under a strict CSP, shows the example page
	//    (inline and bubble). Its inline chat reuses the model cached by the Hearth origin:
	//    no shard is fetched again, even with the browser's HTTP cache cleared. The page lets
	//    the frame be cross-origin isolated, so the engine runs threads.
	if _, err := chromedp.Call(b.Ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	b.Do("open the example page", chromedp.Navigate(siteB+"embed-example.html"))
	b.WaitFor("the inline chat is ready", `document.querySelector('hearth-chat[mode="inline"]').ready`, 60*time.Second)
	var info struct {
		Isolated bool
		Cores    int
		Ready    map[string]any
		Frames   int
	}
	b.Eval(`({
		Isolated: window.crossOriginIsolated,
		Cores: navigator.hardwareConcurrency,
		Ready: document.querySelector('hearth-chat[mode="inline"]').info,
		Frames: performance.getEntriesByType("resource").filter((r) => r.name.includes("/embed.html")).length,
	})`, &info)
	if got := hearth.take(); len(got) != 0 {
		t.Errorf("the second embedding origin fetched shards again: %v", got)
	}
	if !info.Isolated {
		t.Error("the example page is not cross-origin isolated (COOP/COEP): widget.js or the embed page lacks CORP/COEP")
	}
	if info.Ready == nil || info.Ready["model"] != man.ID {
		t.Errorf("inline chat info %v", info.Ready)
	} else if th, _ := info.Ready["threads"].(float64); info.Cores > 1 && th < 2 {
		t.Errorf("the inline chat runs %v threads on %d cores in a cross-origin isolated page", th, info.Cores)
	}
	if info.Frames != 1 {
		t.Errorf("%d frames on the example page, want 1 (the inline chat; the bubble loads when opened)", info.Frames)
	}
	b.Eval(`document.querySelector('hearth-chat[mode="inline"]').send(`+jsString(prompt)+`, `+greedy32+`)`, &reply)
	if reply != golden {
		t.Errorf("inline, threaded: send(%q) = %q, want the golden %q", prompt, reply, golden)
	}
	b.Eval(`document.querySelector('hearth-chat[mode="inline"]').scrollIntoView({ block: "center" }), true`, nil)
	time.Sleep(200 * time.Millisecond)
	b.Screenshot("widget-inline")
	// Attributes changed after loading reach the chat (a config message): dark, amber.
	b.Eval(`(() => {
		const el = document.querySelector('hearth-chat[mode="inline"]');
		el.setAttribute("theme", "dark");
		el.setAttribute("accent", "#f59e0b");
		return true;
	})()`, nil)
	time.Sleep(300 * time.Millisecond)
	b.Screenshot("widget-inline-dark")
	b.CheckClean()
}

// minus returns the strings of a that are not in b.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
