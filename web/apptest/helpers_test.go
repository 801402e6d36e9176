// Package apptest drives the chat app (index.templ, web/app) in headless Chromium against
// the real server, through the internal/webtest harness: the served stories260K is
// downloaded, loaded and chatted with; replies a real model cannot be made to write (hostile
// markup, reasoning) come from a scripted engine worker loaded through the Hearth API, so
// they take the same path from worker to screen as a live reply.
package apptest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	webtest.Cleanup()
	os.Exit(code)
}

// page is the app open in a browser tab, served by the real server over its own copy of
// the bundle.
type page struct {
	*webtest.Browser
	t   *testing.T
	srv *webtest.Server
	dir string
}

func openApp(t *testing.T, o webtest.BrowserOptions) *page {
	t.Helper()
	dir, _ := webtest.Site(t)
	srv := webtest.StartServer(t, dir)
	p := &page{Browser: webtest.NewBrowser(t, o), t: t, srv: srv, dir: dir}
	p.Do("open the page", chromedp.Navigate(srv.URL))
	p.waitReady()
	return p
}

// waitReady waits for the page's start: the model list read, the stored conversation shown.
func (p *page) waitReady() {
	p.t.Helper()
	p.WaitFor("the model list", `document.querySelector("#model option[value]") && !document.getElementById("load").disabled`, 30*time.Second)
}

func (p *page) reload() {
	p.t.Helper()
	p.Do("reload", chromedp.Reload())
	p.waitReady()
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func (p *page) str(expr string) string {
	p.t.Helper()
	var s string
	p.Eval(expr, &s)
	return s
}

func (p *page) num(expr string) float64 {
	p.t.Helper()
	var f float64
	p.Eval(expr, &f)
	return f
}

func (p *page) truthy(expr string) bool {
	p.t.Helper()
	var b bool
	p.Eval("!!("+expr+")", &b)
	return b
}

// click clicks an element the way a user does (a real mouse event at its center).
func (p *page) click(sel string) {
	p.t.Helper()
	p.Do("click "+sel, chromedp.Click(sel, chromedp.NodeVisible))
}

// loadServed presses Load on the picked model (the served stories260K) and waits until
// it is ready.
func (p *page) loadServed() {
	p.t.Helper()
	p.click("#load")
	p.WaitFor("the model loaded", `!document.getElementById("send").disabled && /ready/.test(document.getElementById("status").textContent)`, 60*time.Second)
}

// setSetting types a value into a field of the settings panel, as a user does: open the
// panel, select the field's text, type, close with Done.
func (p *page) setSetting(name, value string) {
	p.t.Helper()
	p.click("#open-settings")
	sel := "#set-" + name
	p.Eval(fmt.Sprintf(`(() => { const el = document.querySelector(%s); el.focus(); el.select(); return true })()`, js(sel)), nil)
	if value == "" {
		p.Do("clear "+sel, chromedp.KeyEvent("\b"))
	} else {
		p.Do("type into "+sel, chromedp.KeyEvent(value))
	}
	got := p.str(fmt.Sprintf(`document.querySelector(%s).value`, js(sel)))
	if got != value {
		p.t.Fatalf("setting %s: field holds %q after typing %q", name, got, value)
	}
	p.click("#settings-done")
	p.WaitFor("the settings panel closed", `!document.getElementById("settings").open`, 5*time.Second)
}

// typeText types into the focused element.
func (p *page) typeText(s string) {
	p.t.Helper()
	p.Do("type "+s, chromedp.KeyEvent(s))
}

// send types a message into the composer and presses Enter.
func (p *page) send(text string) {
	p.t.Helper()
	p.Do("focus the composer", chromedp.Focus("#message"))
	p.Do("type the message", chromedp.KeyEvent(text))
	p.Do("press Enter", chromedp.KeyEvent("\r"))
}

// replies counts the finished replies in the transcript.
func (p *page) replies() int {
	return int(p.num(`document.querySelectorAll("#transcript .message.assistant:not(.pending)").length`))
}

// waitReplies waits until n replies are finished (their stats line written).
func (p *page) waitReplies(n int, d time.Duration) {
	p.t.Helper()
	p.WaitFor(fmt.Sprintf("%d finished replies", n), fmt.Sprintf(`document.querySelectorAll("#transcript .message.assistant:not(.pending) .meta:not(:empty)").length === %d && !document.querySelector("#transcript .pending")`, n), d)
}

// lastReply returns the last reply's text (as rendered) and stats line.
func (p *page) lastReply() (text, meta string) {
	p.t.Helper()
	var r struct{ Text, Meta string }
	p.Eval(`(() => { const m = [...document.querySelectorAll("#transcript .message.assistant")].pop();
		return { text: m.querySelector(".body").textContent, meta: m.querySelector(".meta").textContent } })()`, &r)
	return r.Text, r.Meta
}

// transcriptMessages lists the transcript's messages as "role: text".
func (p *page) transcriptMessages() []string {
	p.t.Helper()
	var out []string
	p.Eval(`[...document.querySelectorAll("#transcript .message")].map(m =>
		(m.classList.contains("user") ? "user" : "assistant") + ": " + m.querySelector(".body").textContent)`, &out)
	return out
}

// storedConversations reads IndexedDB as the page stored it.
type storedMessage struct {
	Role      string          `json:"role"`
	Content   string          `json:"content"`
	Reasoning string          `json:"reasoning"`
	Stats     json.RawMessage `json:"stats"`
}

type storedConversation struct {
	ID       string                `json:"id"`
	Title    string                `json:"title"`
	Mode     string                `json:"mode"`
	Model    struct{ Name string } `json:"model"`
	Messages []storedMessage       `json:"messages"`
}

func (p *page) stored() []storedConversation {
	p.t.Helper()
	var out []storedConversation
	p.Eval(`new Promise((resolve, reject) => {
		const r = indexedDB.open("hearth");
		r.onerror = () => reject(r.error);
		r.onsuccess = () => {
			const q = r.result.transaction("conversations").objectStore("conversations").getAll();
			q.onsuccess = () => { r.result.close(); resolve(q.result.sort((a, b) => b.updated - a.updated)) };
			q.onerror = () => reject(q.error);
		};
	})`, &out)
	return out
}

// captureDownloads makes the page keep every Blob it turns into a URL (what the export
// buttons download), for blobText to read.
func (p *page) captureDownloads() {
	p.t.Helper()
	p.Eval(`(() => { if (!window.__blobs) { window.__blobs = []; const orig = URL.createObjectURL;
		URL.createObjectURL = (b) => { window.__blobs.push(b); return orig.call(URL, b) } } return true })()`, nil)
}

// lastBlob returns the type and text of the last captured Blob.
func (p *page) lastBlob() (typ, text string) {
	p.t.Helper()
	var r struct{ Type, Text string }
	p.Eval(`(async () => { const b = window.__blobs[window.__blobs.length - 1]; return { type: b.type, text: await b.text() } })()`, &r)
	return r.Type, r.Text
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}
