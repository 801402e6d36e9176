package apptest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// TestModelSources loads stories260K the two other ways the picker offers — a .gguf opened
// from disk and a raw .gguf URL (its size shown before the download) — chats with each,
// lists them in the Storage view and deletes the downloaded one; and checks the page
// refuses a model the storage quota cannot hold, before downloading anything.
func TestModelSources(t *testing.T) {
	src := webtest.TestModel()
	if src == "" {
		t.Skip("no shared stories260K.gguf")
	}
	once := webtest.GoldenText(t, "Once upon a time")
	p := openApp(t, webtest.BrowserOptions{})
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(p.dir, "raw"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p.dir, "raw", "stories260K.gguf"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	p.setSetting("max_tokens", "32")
	p.setSetting("temperature", "0")
	p.setSetting("threads", "1")

	// A file from disk: read locally, never uploaded.
	p.Do("pick the file", chromedp.SetUploadFiles("#model-file", []string{src}))
	p.WaitFor("the file's model loaded", `!document.getElementById("send").disabled && /ready/.test(document.getElementById("status").textContent)`, 60*time.Second)
	if s := p.str(`document.getElementById("status").textContent`); !strings.Contains(s, "(1 thread,") {
		t.Errorf("status %q: the threads setting (1) was not used", s)
	}
	p.send("Once upon a time")
	p.waitReplies(1, 60*time.Second)
	if text, _ := p.lastReply(); text != once {
		t.Errorf("reply from the file's model: %q, want %q", text, once)
	}

	// A raw .gguf URL: Check shows its size, then Download and load.
	url := p.srv.URL + "raw/stories260K.gguf"
	p.click("#url-panel summary")
	p.Do("type the URL", chromedp.Focus("#model-url"), chromedp.KeyEvent(url))
	p.click("#url-check")
	p.WaitFor("the probe", `!document.getElementById("url-load").hidden`, 10*time.Second)
	if info := p.str(`document.getElementById("url-info").textContent`); !strings.Contains(info, "stories260K.gguf: 1.2 MB") {
		t.Errorf("probe info %q", info)
	}
	p.Eval(`document.getElementById("status").textContent = ""`, nil) // so the wait below sees the new load's "ready"
	p.click("#url-load")
	p.WaitFor("the URL's model loaded", `!document.getElementById("send").disabled && /ready/.test(document.getElementById("status").textContent)`, 60*time.Second)
	p.click("#new-chat")
	p.send("Once upon a time")
	p.waitReplies(1, 60*time.Second)
	if text, _ := p.lastReply(); text != once {
		t.Errorf("reply from the URL's model: %q, want %q", text, once)
	}
	p.WaitFor("the URL's model in the picker", `[...document.querySelectorAll("#model option")].some((o) => /stories260K\.gguf .*downloaded/.test(o.textContent))`, 10*time.Second)

	// The Storage view lists it with its size; Delete removes it from the cache and the picker.
	p.click("#open-storage")
	p.WaitFor("the cached models", `document.querySelector("#cached-models li .name")`, 10*time.Second)
	var rows []string
	p.Eval(`[...document.querySelectorAll("#cached-models li")].map((li) => li.textContent)`, &rows)
	if len(rows) != 1 || !strings.Contains(rows[0], "stories260K.gguf") || !strings.Contains(rows[0], "1.2 MB") {
		t.Errorf("Storage view: %q", rows)
	}
	if s := p.str(`document.getElementById("storage-summary").textContent`); !strings.Contains(s, "This page stores") {
		t.Errorf("storage summary %q", s)
	}
	p.click("#cached-models li button")
	p.WaitFor("the model deleted", `document.querySelector("#cached-models li.hint")`, 10*time.Second)
	p.click("#storage-close")
	p.WaitFor("the picker updated", `![...document.querySelectorAll("#model option")].some((o) => /stories260K\.gguf/.test(o.textContent))`, 10*time.Second)

	// A quota too small for the served model. As the page sees it (storage.estimate, here
	// made to report 200 kB): refused before any byte is fetched.
	p.Eval(`(() => { window.__estimate = navigator.storage.estimate; navigator.storage.estimate = async () => ({ usage: 50000, quota: 200000 }); return true })()`, nil)
	p.click("#load")
	p.WaitFor("the refusal", `document.getElementById("status").classList.contains("error")`, 10*time.Second)
	if s := p.str(`document.getElementById("status").textContent`); !strings.Contains(s, "needs 1.2 MB of storage, but this browser lets the page store only 150 KB more") {
		t.Errorf("refusal %q", s)
	}
	if p.truthy(`!document.getElementById("progress-row").hidden`) {
		t.Error("the refused model started downloading")
	}
	// As the browser enforces it (a quota override the estimate does not show): the
	// download fails on the first write, and the page says why.
	p.Eval(`(() => { navigator.storage.estimate = window.__estimate; return true })()`, nil)
	quota := 200_000.0
	origin := strings.TrimSuffix(p.srv.URL, "/")
	if _, err := chromedp.Call(p.Ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin, QuotaSize: &quota}); err != nil {
		t.Fatal(err)
	}
	p.Eval(`(() => { const s = document.getElementById("status"); s.textContent = ""; s.className = "status"; return true })()`, nil)
	p.click("#load")
	p.WaitFor("the quota error", `document.getElementById("status").classList.contains("error")`, 30*time.Second)
	if s := p.str(`document.getElementById("status").textContent`); !strings.Contains(s, "storage is full") {
		t.Errorf("quota error %q", s)
	}
	chromedp.Call(p.Ctx, storage.OverrideQuotaForOrigin, storage.OverrideQuotaForOriginParams{Origin: origin})
	p.CheckClean()
}

// TestDownloadControls slows the network so a download takes seconds: the progress bar
// shows bytes, speed and time left; Pause stops it and Resume finishes it; Cancel stops a
// second download and forgets its partial shards.
func TestDownloadControls(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	if _, err := chromedp.Call(p.Ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{URLPattern: "", DownloadThroughput: 250_000, UploadThroughput: -1}},
	}); err != nil {
		t.Fatal(err)
	}
	p.click("#load")
	p.WaitFor("a quarter downloaded", `document.getElementById("progress").value > document.getElementById("progress").max / 4`, 30*time.Second)
	p.WaitFor("a speed shown", `/\/s · .* left/.test(document.getElementById("progress-text").textContent)`, 10*time.Second)
	p.Screenshot("app-downloading")
	text := p.str(`document.getElementById("progress-text").textContent`)
	if !strings.Contains(text, " of 1.2 MB (") || !strings.Contains(text, "/s") || !strings.Contains(text, "left") {
		t.Errorf("progress text %q: want bytes, speed and time left", text)
	}

	p.click("#pause")
	p.WaitFor("paused", `document.getElementById("pause").textContent === "Resume" && /Paused/.test(document.getElementById("status").textContent)`, 10*time.Second)
	// Paused, nothing moves: no speed, no time left (issue 17 item 15).
	if text := p.str(`document.getElementById("progress-text").textContent`); strings.Contains(text, "/s") || strings.Contains(text, "left") || !strings.Contains(text, "paused") {
		t.Errorf("progress text while paused %q: want no speed or time left, and 'paused'", text)
	}
	at := p.num(`document.getElementById("progress").value`)
	time.Sleep(time.Second)
	if now := p.num(`document.getElementById("progress").value`); now != at {
		t.Errorf("progress moved while paused: %v -> %v", at, now)
	}
	p.click("#pause")
	p.WaitFor("loaded after Resume", `!document.getElementById("send").disabled && /ready/.test(document.getElementById("status").textContent)`, 60*time.Second)
	if p.truthy(`!document.getElementById("pause").hidden || !document.getElementById("cancel-download").hidden`) {
		t.Error("Pause/Cancel still shown after the load")
	}

	// Delete it, download again, Cancel halfway: the partial download is forgotten.
	p.click("#open-storage")
	p.WaitFor("the cached model", `document.querySelector("#cached-models li button")`, 10*time.Second)
	p.click("#cached-models li button")
	p.WaitFor("deleted", `document.querySelector("#cached-models li.hint")`, 10*time.Second)
	p.click("#storage-close")
	p.WaitFor("the picker updated", `!/downloaded/.test(document.getElementById("model").selectedOptions[0].textContent)`, 10*time.Second)
	p.click("#load")
	p.WaitFor("a quarter downloaded again", `document.getElementById("progress").value > document.getElementById("progress").max / 4`, 30*time.Second)
	p.click("#cancel-download")
	p.WaitFor("cancelled", `document.getElementById("progress-row").hidden && /Cancelled/.test(document.getElementById("status").textContent)`, 10*time.Second)
	var cached []struct{ Bytes float64 }
	p.Eval(`Hearth.storage.list()`, &cached)
	if len(cached) != 0 {
		t.Errorf("after Cancel the cache still holds %+v", cached)
	}
	// The model loaded before (in memory, though its files were deleted) is still in use.
	if p.truthy(`document.getElementById("send").disabled || document.getElementById("load").disabled`) {
		t.Error("after Cancel: Send or Load disabled")
	}
	p.CheckClean()
}
