package apptest

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"hearth/internal/webtest"
)

// hostileReply is what the scripted engine streams as a reply: markup that must stay text,
// a fenced code block holding markup, a javascript: link and a safe one.
const hostileReply = "Here is the markup you asked for: <img src=x onerror=alert(1)> and <script>alert(2)</script>.\n\n" +
	"```html\n<img src=x onerror=alert(3)>\n<b onclick=\"alert(4)\">bold</b>\n```\n\n" +
	"A [bad link](javascript:alert(5)) and a [safe link](https://example.com/docs).\n\n" +
	"- **bold** item\n- `code` item with <i>tags</i>"

const hostileReasoning = "The user wants markup. <img src=y onerror=alert(6)> must not run.\n\nI will answer with a code block."

// scriptedWorker is an engine worker that speaks the worker protocol (wasm/README.md) but
// plays a script instead of running a model: the reasoning and the reply arrive in small
// pieces (cut through the middle of the tags), a cancel ends it as the engine does, and the
// stats report two trimmed messages.
func scriptedWorker(reasoning, reply string, piece int, delayMS int) string {
	var events []map[string]string
	cut := func(kind, s string) {
		for len(s) > 0 {
			n := min(piece, len(s))
			events = append(events, map[string]string{"type": kind, "text": s[:n]})
			s = s[n:]
		}
	}
	cut("reasoning", reasoning)
	cut("text", reply)
	script, _ := json.Marshal(events)
	return fmt.Sprintf(`
const SCRIPT = %s;
let current = null;
postMessage({ type: "ready", simd: false, threads: 1 });
onmessage = async (e) => {
  const m = e.data;
  switch (m.type) {
  case "load":
    postMessage({ type: "loaded", id: m.id, info: { name: "Scripted", architecture: "llama", quant: "none", context_size: 2048, has_chat_template: true } });
    break;
  case "generate":
  case "complete": {
    const run = { cancelled: false };
    current = run;
    let n = 0;
    for (const ev of SCRIPT) {
      await new Promise((r) => setTimeout(r, %d));
      if (run.cancelled) break;
      postMessage({ id: m.id, type: "token", token: n });
      postMessage({ id: m.id, type: ev.type, text: ev.text });
      n++;
    }
    postMessage({ type: "done", id: m.id, stats: { prompt_tokens: 40, cached_tokens: 0, generated_tokens: n,
      prefill_tps: 400, decode_tps: 55.5, trimmed_messages: 2, stop_reason: run.cancelled ? "cancelled" : "eog" } });
    break;
  }
  case "cancel":
    if (current) current.cancelled = true;
    break;
  case "unload":
    postMessage({ type: "unloaded", id: m.id });
    break;
  case "info":
    postMessage({ type: "info", id: m.id, info: {} });
    break;
  default:
    postMessage({ type: "error", id: m.id, message: "scripted worker: " + m.type });
  }
};`, script, delayMS)
}

// useScriptedEngine loads the served model's shards through the Hearth API into a scripted
// worker (a blob: URL, which the page's CSP allows for workers) and hands the engine to the
// page, which then chats with it like with any model.
func (p *page) useScriptedEngine(worker string) {
	p.t.Helper()
	p.Eval(fmt.Sprintf(`(async () => {
		const url = URL.createObjectURL(new Blob([%s], { type: "text/javascript" }));
		const engine = await Hearth.load("models/stories260K/manifest.json", { workerURL: url });
		await HearthPage.use(engine);
		return engine.model.name;
	})()`, js(worker)), nil)
	p.WaitFor("the scripted model ready", `!document.getElementById("send").disabled`, 10*time.Second)
}

// listenDialogs records (and dismisses) every JavaScript dialog the page opens.
func (p *page) listenDialogs() func() []string {
	var mu sync.Mutex
	var seen []string
	chromedp.Listen(p.Ctx, func(ev any) {
		if d, ok := ev.(*cdppage.EventJavascriptDialogOpening); ok {
			mu.Lock()
			seen = append(seen, string(d.Type)+": "+d.Message)
			mu.Unlock()
			go chromedp.Call(p.Ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), seen...)
	}
}

// TestHostileReply (issue test 4) streams a reply full of markup through the real path —
// engine worker, HearthEngine, the Hearth API's stream, the page's transcript and Markdown
// renderer — and checks it renders as text plus a code block, with no element, attribute or
// dialog coming from the model's text; the reasoning shows in a collapsible Thinking
// section and the trimmed-context notice appears. Screenshots: thinking, dark theme, phone.
func TestHostileReply(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	dialogs := p.listenDialogs()
	p.useScriptedEngine(scriptedWorker(hostileReasoning, hostileReply, 5, 15))

	p.send("Show me some markup")
	p.WaitFor("the thinking section streaming", `(() => { const d = document.querySelector("#transcript .pending details.thinking");
		return d && !d.hidden && d.open && d.querySelector(".thought").textContent.length > 20 })()`, 10*time.Second)
	p.Screenshot("app-thinking-streaming")
	p.waitReplies(1, 30*time.Second)
	time.Sleep(300 * time.Millisecond) // time for an injected handler to fire, were there one

	var r struct {
		Text, Code, CodeLang, Thought, Summary, Notice, Meta string
		Links                                                []string
		Tags                                                 []string
		BadAttrs                                             []string
		ThinkingOpen, NoticeShown, CopyButton                bool
		Stored                                               string
	}
	p.Eval(`(() => {
		const m = document.querySelector("#transcript .message.assistant");
		const allowedTags = new Set(["LI", "DIV", "DETAILS", "SUMMARY", "P", "CODE", "PRE", "SPAN", "BUTTON", "A", "UL", "OL", "STRONG", "EM", "BR"]);
		const allowedAttrs = new Set(["class", "hidden", "open", "role", "aria-busy", "aria-label", "type", "data-lang", "href", "rel", "target"]);
		const tags = new Set(), bad = [];
		for (const el of m.querySelectorAll("*")) {
			if (!allowedTags.has(el.tagName)) tags.add(el.tagName);
			for (const a of el.attributes) if (!allowedAttrs.has(a.name) || /^on/i.test(a.name)) bad.push(el.tagName + " " + a.name + "=" + a.value);
		}
		return {
			text: m.querySelector(".body").textContent,
			code: m.querySelector(".body .code pre code")?.textContent ?? "",
			codeLang: m.querySelector(".body .code .code-lang")?.textContent ?? "",
			copyButton: !!m.querySelector(".body .code button.copy"),
			links: [...m.querySelectorAll(".body a")].map((a) => a.href + " " + a.rel + " " + a.textContent),
			thought: m.querySelector(".thinking .thought").textContent,
			summary: m.querySelector(".thinking summary").textContent,
			thinkingOpen: m.querySelector(".thinking").open,
			notice: m.querySelector(".notice").textContent,
			noticeShown: !m.querySelector(".notice").hidden,
			meta: m.querySelector(".meta").textContent,
			tags: [...tags], badAttrs: bad,
		};
	})()`, &r)
	for _, s := range []string{"<img src=x onerror=alert(1)>", "<script>alert(2)</script>", "bad link", "<i>tags</i>"} {
		if !strings.Contains(r.Text, s) {
			t.Errorf("reply text lacks %q as text: %q", s, r.Text)
		}
	}
	if want := "<img src=x onerror=alert(3)>\n<b onclick=\"alert(4)\">bold</b>"; r.Code != want || r.CodeLang != "html" || !r.CopyButton {
		t.Errorf("code block %q (%q, copy button %v), want %q (html)", r.Code, r.CodeLang, r.CopyButton, want)
	}
	if len(r.Links) != 1 || r.Links[0] != "https://example.com/docs noopener noreferrer nofollow safe link" {
		t.Errorf("links %q: want only the https one, with rel=noopener", r.Links)
	}
	if len(r.Tags) > 0 || len(r.BadAttrs) > 0 {
		t.Errorf("elements or attributes from the model's text: tags %q, attributes %q", r.Tags, r.BadAttrs)
	}
	if !strings.Contains(r.Thought, "<img src=y onerror=alert(6)> must not run.") || r.ThinkingOpen || r.Summary != "Thinking" {
		t.Errorf("thinking section: %q (open %v, summary %q): want the reasoning as text, collapsed when done", r.Thought, r.ThinkingOpen, r.Summary)
	}
	if strings.Contains(r.Text, "must not run") {
		t.Error("the reasoning leaked into the reply")
	}
	if !r.NoticeShown || !strings.Contains(r.Notice, "2 oldest messages were left out") {
		t.Errorf("trimmed-context notice %q (shown %v)", r.Notice, r.NoticeShown)
	}
	if !strings.Contains(r.Meta, "55.5 tokens/s") {
		t.Errorf("stats line %q", r.Meta)
	}
	if n := p.num(`document.querySelectorAll("img:not(.logo), script:not([src]):not([type='application/json'])").length`); n != 0 {
		t.Errorf("%v img/script elements in the page", n)
	}
	// The reply is stored as the model wrote it (text and reasoning apart).
	conv := p.stored()[0]
	if last := conv.Messages[1]; last.Content != hostileReply || last.Reasoning != hostileReasoning {
		t.Errorf("stored reply %q / reasoning %q", last.Content, last.Reasoning)
	}
	// The live region heard the reply as text.
	if live := p.str(`document.getElementById("live").textContent`); !strings.Contains(live, "<img src=x onerror=alert(1)>") {
		t.Errorf("live region %q", live)
	}

	// Copy: the reply as the model wrote it (Markdown source), and a code block's code.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(p.Ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted}); err != nil {
			t.Fatal(err)
		}
	}
	p.click("#transcript .message.assistant .tools button")
	p.WaitFor("copied", `document.querySelector("#transcript .message.assistant .tools button").textContent === "Copied"`, 5*time.Second)
	if got := p.str(`navigator.clipboard.readText()`); got != hostileReply {
		t.Errorf("copied reply %q", got)
	}
	p.click("#transcript .code button.copy")
	p.WaitFor("code copied", `document.querySelector("#transcript .code button.copy").textContent === "Copied"`, 5*time.Second)
	if got := p.str(`navigator.clipboard.readText()`); got != "<img src=x onerror=alert(3)>\n<b onclick=\"alert(4)\">bold</b>" {
		t.Errorf("copied code %q", got)
	}

	p.click("#transcript .thinking summary")
	p.WaitFor("the thinking section open", `document.querySelector("#transcript .thinking").open`, 5*time.Second)
	p.Screenshot("app-thinking")

	// Dark theme follows the system.
	p.colorScheme("dark")
	if bg := p.str(`getComputedStyle(document.body).backgroundColor`); bg != "rgb(23, 20, 15)" {
		t.Errorf("dark theme: body background %s", bg)
	}
	p.Screenshot("app-dark")

	// A phone-sized screen: one column, nothing wider than the screen, the composer and its
	// buttons on screen, the conversation list behind the Chats button.
	p.Do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	p.WaitFor("the narrow layout", `getComputedStyle(document.getElementById("sidebar")).display === "none"`, 5*time.Second)
	var phone struct {
		ScrollWidth, SendBottom, SendRight, Height float64
		ChatsVisible                               bool
	}
	p.Eval(`(() => { const s = document.getElementById("send").getBoundingClientRect();
		return { scrollWidth: document.documentElement.scrollWidth, sendBottom: s.bottom, sendRight: s.right, height: innerHeight,
			chatsVisible: getComputedStyle(document.getElementById("toggle-chats")).display !== "none" } })()`, &phone)
	if phone.ScrollWidth > 390 || phone.SendRight > 390 || phone.SendBottom > phone.Height || !phone.ChatsVisible {
		t.Errorf("phone layout: %+v", phone)
	}
	p.Screenshot("app-phone-dark")
	p.colorScheme("light")
	p.Screenshot("app-phone")
	p.click("#toggle-chats")
	p.WaitFor("the conversation drawer", `getComputedStyle(document.getElementById("sidebar")).display !== "none"`, 5*time.Second)
	p.Screenshot("app-phone-chats")
	p.Do("press Esc", chromedp.KeyEvent(kb.Escape))
	p.WaitFor("the drawer closed by Esc", `getComputedStyle(document.getElementById("sidebar")).display === "none" && document.activeElement.id === "toggle-chats"`, 5*time.Second)
	p.click("#toggle-chats")
	p.WaitFor("the drawer again", `getComputedStyle(document.getElementById("sidebar")).display !== "none"`, 5*time.Second)
	p.click("#conversations .conversation")
	p.WaitFor("the drawer closed", `getComputedStyle(document.getElementById("sidebar")).display === "none"`, 5*time.Second)

	if d := dialogs(); len(d) > 0 {
		t.Errorf("JavaScript dialogs opened: %q", d)
	}
	p.CheckClean()
}

// TestStopScripted stops a reply with Esc (keyboard only) and checks nothing arrives after
// it: the scripted engine keeps streaming for a while after a cancel would have reached a
// slow engine, and the API must drop it.
func TestStopScripted(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	long := strings.Repeat("word ", 400)
	p.useScriptedEngine(scriptedWorker("", long, 5, 10))
	// Shift+Enter is a new line; Enter sends.
	p.Do("type a two-line message", chromedp.Focus("#message"), chromedp.KeyEvent("Go"),
		chromedp.KeyEvent("\r", chromedp.KeyModifiers(chromedp.ModifierShift)), chromedp.KeyEvent("on"))
	if v := p.str(`document.getElementById("message").value`); v != "Go\non" {
		t.Errorf("after Shift+Enter the composer holds %q", v)
	}
	p.Do("press Enter", chromedp.KeyEvent("\r"))
	p.WaitFor("a reply streaming", `document.querySelector("#transcript .pending .body")?.textContent.length > 50`, 10*time.Second)
	p.Do("press Esc", chromedp.KeyEvent(kb.Escape))
	shown := p.str(`document.querySelector("#transcript .message.assistant .body").textContent`)
	p.waitReplies(1, 10*time.Second)
	time.Sleep(200 * time.Millisecond)
	text, meta := p.lastReply()
	if text != shown || !strings.Contains(meta, "Stopped by you.") || len(text) >= len(long) {
		t.Errorf("after Esc: %d characters shown, %d final (%q)", len(shown), len(text), meta)
	}
	if m := p.stored()[0].Messages; len(m) != 2 || m[0].Content != "Go\non" || strings.TrimSpace(m[1].Content) != text {
		t.Errorf("stored: %+v", m)
	}
	p.CheckClean()
}

// TestMarkdownRenderer runs web/app/markdown.js (bundled on its own) in the page against
// hostile and ordinary input, checking the DOM it builds.
func TestMarkdownRenderer(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	dialogs := p.listenDialogs()
	// DevTools evaluation is not subject to the page's CSP: the module runs as-is.
	p.Eval(bundleModule(t, "markdown.js", "md")+`; window.md = md; true`, nil)
	p.Eval(`window.render = (src) => { const d = document.createElement("div"); d.append(md.renderMarkdown(src)); document.body.append(d); d.hidden = true; return d };
		window.shape = (d) => { const out = []; const walk = (n, depth) => { for (const c of n.childNodes) {
			if (c.nodeType === 3) { out.push(" ".repeat(depth) + "#" + c.textContent); continue }
			const attrs = [...c.attributes].map((a) => a.name + "=" + a.value).join(" ");
			out.push(" ".repeat(depth) + c.tagName.toLowerCase() + (attrs ? "[" + attrs + "]" : "")); walk(c, depth + 1) } }; walk(d, 0); return out.join("\n") }; true`, nil)

	hostile := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<svg onload=alert(1)>`,
		`[x](javascript:alert(1))`,
		`[x](JaVaScRiPt:alert(1))`,
		`[x]( javascript:alert(1) )`,
		`[x](java&#115;cript:alert(1))`,
		`[x](data:text/html,<script>alert(1)</script>)`,
		`[x](//evil.example/)`,
		`[x](vbscript:msgbox(1))`,
		`<javascript:alert(1)>`,
		`![img](https://evil.example/track.png)`,
		`[x](https://ok.example/"onmouseover="alert(1))`,
		"```\"><img src=x onerror=alert(1)>\nalert(1)\n```",
		"``` onerror=alert(1)\nalert(1)\n```",
		"**<b onclick=alert(1)>x</b>**",
		"> <iframe src=javascript:alert(1)>",
		"- <a href=javascript:alert(1)>x</a>",
		strings.Repeat("> ", 200) + "deep",
		strings.Repeat("[", 500) + "x" + strings.Repeat("](https://a.example/)", 500),
		strings.Repeat("**a", 300),
		"`unclosed <img src=x onerror=alert(1)>",
		// Tables, task lists and images (issue 17 item 11).
		`![x](javascript:alert(1))`,
		`![x](data:image/png;base64,AAAA)`,
		`![<img src=x onerror=alert(1)>](https://evil.example/a.png)`,
		`![x](https://evil.example/a.png "<script>x()</script>")`,
		"| <script>alert(1)</script> | b |\n|---|:-:|\n| [x](javascript:alert(1)) | ![t](https://evil.example/t.png) |\n| <img src=x onerror=alert(1)> |",
		"| a |\n| --- |\n| <svg onload=alert(1)> | extra | cells |",
		"- [x] <img src=x onerror=alert(1)>\n- [ ] [y](javascript:alert(1))",
		strings.Repeat("|", 1000) + "\n" + strings.Repeat("|-", 500) + "\nalert",
		strings.Repeat("> ", 20) + "| a |\n" + strings.Repeat("> ", 20) + "|---|\n" + strings.Repeat("> ", 20) + "| alert |",
		"| `a \\| b` | c |\n|---|---|\n| ![](https://evil.example/x.png) | alert |",
	}
	for _, src := range hostile {
		var r struct {
			Text  string
			Bad   []string
			Shape string
		}
		p.Eval(fmt.Sprintf(`(() => { const d = render(%s);
			const ok = new Set(["P", "H3", "H4", "H5", "H6", "EM", "STRONG", "DEL", "CODE", "PRE", "A", "UL", "OL", "LI", "BLOCKQUOTE", "HR", "BR", "DIV", "SPAN", "BUTTON",
				"TABLE", "THEAD", "TBODY", "TR", "TH", "TD", "LABEL", "INPUT"]);
			const okAttrs = new Set(["class", "href", "rel", "target", "data-lang", "data-level", "type", "aria-label", "start", "scope", "tabindex", "disabled", "checked"]);
			const bad = [];
			for (const el of d.querySelectorAll("*")) {
				if (!ok.has(el.tagName)) bad.push(el.tagName);
				if (el.tagName === "INPUT" && (el.type !== "checkbox" || !el.disabled)) bad.push("INPUT type=" + el.type);
				for (const a of el.attributes) {
					if (!okAttrs.has(a.name)) bad.push(el.tagName + "@" + a.name);
					if (a.name === "href" && !/^https?:\/\//.test(a.value)) bad.push("href=" + a.value);
					if (a.name === "data-lang" && /[\s"<>]/.test(a.value)) bad.push("data-lang=" + a.value);
				}
			}
			return { text: d.textContent, bad, shape: shape(d) } })()`, js(src)), &r)
		if len(r.Bad) > 0 {
			t.Errorf("input %.80q: bad nodes %q\n%s", src, r.Bad, r.Shape)
		}
		if strings.Contains(src, "alert") && !strings.Contains(r.Text+r.Shape, "alert") {
			t.Errorf("input %.80q: the text vanished instead of showing as text:\n%s", src, r.Shape)
		}
	}

	// Ordinary Markdown: the structure each construct makes.
	cases := []struct{ src, want string }{
		{"# Title\n\nSome *em*, **strong**, ~~gone~~ and `code`.",
			"h3[data-level=1]\n #Title\np\n #Some \n em\n  #em\n #, \n strong\n  #strong\n #, \n del\n  #gone\n # and \n code\n  #code\n #."},
		{"line one\nline two", "p\n #line one\n br\n #line two"},
		{"- a\n- b\n  - c\n- d", "ul\n li\n  #a\n li\n  #b\n  ul\n   li\n    #c\n li\n  #d"},
		{"3. x\n4. y", "ol[start=3]\n li\n  #x\n li\n  #y"},
		{"> quoted\n> more", "blockquote\n p\n  #quoted\n  br\n  #more"},
		{"snake_case_name and 2 * 3 * 4", "p\n #snake_case_name and 2 * 3 * 4"},
		{"[site](https://example.com/a?b=1)", "p\n a[href=https://example.com/a?b=1 rel=noopener noreferrer nofollow target=_blank]\n  #site"},
		{"see https://example.com/x.", "p\n #see \n a[href=https://example.com/x rel=noopener noreferrer nofollow target=_blank]\n  #https://example.com/x\n #."},
		{"```go\nfmt.Println(\"<hi>\")\n```", "div[class=code]\n div[class=code-head]\n  span[class=code-lang]\n   #go\n  button[type=button class=copy aria-label=Copy the go code]\n   #Copy\n pre\n  code[data-lang=go]\n   #fmt.Println(\"<hi>\")"},
		{"```\nunclosed\nfence", "div[class=code]\n div[class=code-head]\n  span[class=code-lang]\n   #code\n  button[type=button class=copy aria-label=Copy the code]\n   #Copy\n pre\n  code\n   #unclosed\nfence"},
		{"a\n\n---\n\nb", "p\n #a\nhr\np\n #b"},
		{`\*not em\*`, "p\n #*not em*"},
		// Tables, task lists and images (issue 17 item 11).
		{"| Model | Size | Speed |\n|:--|:-:|--:|\n| **Qwen** | 0.5B | 40 tok/s |\n| `a \\| b` |",
			"div[class=table tabindex=0]\n table\n  thead\n   tr\n    th[scope=col class=align-left]\n     #Model\n    th[scope=col class=align-center]\n     #Size\n    th[scope=col class=align-right]\n     #Speed\n  tbody\n   tr\n    td[class=align-left]\n     strong\n      #Qwen\n    td[class=align-center]\n     #0.5B\n    td[class=align-right]\n     #40 tok/s\n   tr\n    td[class=align-left]\n     code\n      #a | b\n    td[class=align-center]\n    td[class=align-right]"},
		{"Here it is:\na | b\n--- | ---\n1 | 2\n\nafter", "p\n #Here it is:\ndiv[class=table tabindex=0]\n table\n  thead\n   tr\n    th[scope=col]\n     #a\n    th[scope=col]\n     #b\n  tbody\n   tr\n    td\n     #1\n    td\n     #2\np\n #after"},
		{"a | b\n--- | --- | ---", "p\n #a | b\n br\n #--- | --- | ---"},
		{"- [ ] todo\n- [x] done *now*\n- plain", "ul\n li[class=task]\n  label\n   input[type=checkbox disabled=]\n   #todo\n li[class=task]\n  label\n   input[type=checkbox disabled= checked=]\n   #done \n   em\n    #now\n li\n  #plain"},
		{"![a cat](https://example.com/cat.png) and ![](https://example.com/x.png)",
			"p\n a[href=https://example.com/cat.png rel=noopener noreferrer nofollow target=_blank class=image]\n  #Image: a cat\n # and \n a[href=https://example.com/x.png rel=noopener noreferrer nofollow target=_blank class=image]\n  #Image: https://example.com/x.png"},
		{"![x](javascript:alert(1))", "p\n #![x](javascript:alert(1))"},
	}
	for _, c := range cases {
		got := p.str(fmt.Sprintf(`shape(render(%s))`, js(c.src)))
		if got != c.want {
			t.Errorf("markdown %q:\n got:\n%s\nwant:\n%s", c.src, got, c.want)
		}
	}
	// Nothing the model named was fetched: images show as links, never load.
	var fetched []string
	p.Eval(`performance.getEntriesByType("resource").map((r) => r.name).filter((n) => /example\.(com|example)/.test(n))`, &fetched)
	if len(fetched) > 0 {
		t.Errorf("the page fetched what the Markdown named: %q", fetched)
	}
	if d := dialogs(); len(d) > 0 {
		t.Errorf("JavaScript dialogs opened: %q", d)
	}
	p.CheckClean()
}

// colorScheme emulates the system's light or dark theme.
func (p *page) colorScheme(v string) {
	p.t.Helper()
	_, err := chromedp.Call(p.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: v}}})
	if err != nil {
		p.t.Fatalf("emulate prefers-color-scheme: %s: %v", v, err)
	}
}
