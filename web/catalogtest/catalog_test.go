package catalogtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/engine/synth"
	"hearth/internal/fakehub"
	"hearth/internal/webtest"
)

// testModel is a small random-weight chat model (one SmolLM2-135M-shaped layer, a tiny
// vocabulary: ~4 MB), so the download has several cached parts and takes a moment.
func testModel(t *testing.T) []byte {
	t.Helper()
	sh := synth.Shapes["smollm2-135m"]
	tiny := synth.Shapes["tiny"]
	sh.Name, sh.NLayer, sh.NVocab, sh.NCtx, sh.Tied = "catalog-test", 1, tiny.NVocab, 512, false
	w, err := synth.Build(synth.Options{Shape: sh, Type: "Q8_0", Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const (
	repo     = "hearth-test/Synth-Chat-GGUF"
	goodGGUF = "synth-chat-Q8_0.gguf"
	badGGUF  = "synth-chat-bad-Q8_0.gguf"
	slowGGUF = "synth-chat-slow-Q8_0.gguf"
)

// writeCatalog makes the bundle's catalog.json (what go run ./web/build --hub writes) list
// the two test files on the fake hub.
func writeCatalog(t *testing.T, dir, hub string, size int) {
	t.Helper()
	entry := func(id, name, file string) map[string]any {
		return map[string]any{"id": id, "name": name, "repo": repo, "file": file, "revision": "main", "quant": "Q8_0",
			"size": size, "arch": "llama", "context": 512, "license": "apache-2.0", "reasons": false,
			"description": "A random-weight test model: it writes nonsense, quickly."}
	}
	c := map[string]any{"format": 1, "hub": hub, "models": []any{
		entry("synth-chat", "Synth Chat", goodGGUF), entry("synth-chat-bad", "Synth Chat (bad mirror)", badGGUF),
		entry("synth-chat-slow", "Synth Chat (slow hub)", slowGGUF)}}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "catalog.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{".br", ".gz"} { // the build's precompressed copies are stale now
		os.Remove(filepath.Join(dir, "catalog.json"+ext))
	}
}

// pick selects a picker entry by its value, as a person choosing it does.
func pick(b *webtest.Browser, source string) {
	b.WaitFor("the picker lists "+source, fmt.Sprintf(`[...document.querySelectorAll("#model option")].some((o) => o.value === %q) && !document.getElementById("model").disabled`, source), 30*time.Second)
	b.Eval(fmt.Sprintf(`(() => { const s = document.getElementById("model"); s.value = %q; s.dispatchEvent(new Event("change")); return true; })()`, source), nil)
}

type cardInfo struct {
	Source    string `json:"source"`
	Fit       string `json:"fit"`
	DecodeTPS string `json:"decodeTps"`
	PrefillS  string `json:"prefillS"`
	Text      string `json:"text"`
}

func card(b *webtest.Browser, source string) cardInfo {
	b.WaitFor("the card's speed estimate", fmt.Sprintf(`(() => { const c = document.getElementById("model-card"); return c && !c.hidden && c.dataset.source === %q && c.dataset.decodeTps; })()`, source), 2*time.Minute)
	var c cardInfo
	b.Eval(`(() => { const c = document.getElementById("model-card"); return { ...c.dataset, text: c.textContent }; })()`, &c)
	return c
}

// cachedOf lists what the model cache holds of a source: {complete, bytes} (null: nothing).
func cachedOf(b *webtest.Browser, source string) (found, complete bool, bytes int64) {
	var c *struct {
		Complete bool  `json:"complete"`
		Bytes    int64 `json:"bytes"`
	}
	b.Eval(fmt.Sprintf(`Hearth.storage.list().then((l) => l.find((m) => m.source === %q) || null)`, source), &c)
	if c == nil {
		return false, false, 0
	}
	return true, c.Complete, c.Bytes
}

// chat sends a message in the app and waits for the reply.
func chat(b *webtest.Browser, text string, n int) string {
	b.Do("focus the composer", chromedp.Focus("#message"))
	b.Do("type", chromedp.KeyEvent(text))
	b.Do("press Enter", chromedp.KeyEvent("\r"))
	b.WaitFor("the reply", fmt.Sprintf(`document.querySelectorAll("#transcript .message.assistant:not(.pending) .meta:not(:empty)").length === %d && !document.querySelector("#transcript .pending")`, n), 90*time.Second)
	var reply string
	b.Eval(`[...document.querySelectorAll("#transcript .message.assistant .body")].pop().textContent`, &reply)
	return reply
}

// TestCatalogDownload: the picker offers the catalog's models from a fake Hugging Face hub
// on loopback; the card shows a model's size, that it fits, and a speed estimate; Load
// downloads it from the hub with progress, through a dropped connection (resumed with
// Range), verifies its SHA-256 against the hub's tree API and chats with it. A hub that
// serves wrong bytes is refused: the pieces are deleted and the page says so. After a
// reload with the hub and the server gone (offline), the verified model loads from the
// cache, is checked again, and chats.
func TestCatalogDownload(t *testing.T) {
	dir, _ := webtest.Site(t)
	model := testModel(t)
	hub := fakehub.Start(t)
	hub.Add(repo, goodGGUF, model)
	hub.Add(repo, badGGUF, model)
	// after the size probe, the good file's first body answer is cut after 1 MB, and every
	// answer for the bad file carries changed bytes (its headers and tree entry describe
	// the true file)
	hub.SetFaults(repo, goodGGUF, fakehub.Fault{Times: 1}, // the size probe
		// trickled, so the page reads most of the first MB before the cut (a stream that
		// errors drops the chunks it had not handed out yet)
		fakehub.Fault{Drop: true, After: 1 << 20, TrickleChunk: 64 << 10, TrickleDelay: 40 * time.Millisecond, Times: 1})
	hub.SetFaults(repo, badGGUF, fakehub.Fault{Times: 1}, fakehub.Fault{WrongBytes: true})
	hub.Add(repo, slowGGUF, model) // ~1.3 MB/s: a reload lands in the middle
	hub.SetFaults(repo, slowGGUF, fakehub.Fault{Times: 1}, fakehub.Fault{TrickleChunk: 64 << 10, TrickleDelay: 50 * time.Millisecond})
	writeCatalog(t, dir, hub.URL, len(model))
	good, bad, slow := hub.ResolveURL(repo, goodGGUF), hub.ResolveURL(repo, badGGUF), hub.ResolveURL(repo, slowGGUF)

	srv := webtest.StartServer(t, dir)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open the app", chromedp.Navigate(srv.URL))
	b.Eval(`localStorage.setItem("hearth.settings.v1", JSON.stringify({ threads: 1, max_tokens: 12, temperature: 0, auto_load: false })), true`, nil)
	b.Do("reload with the settings", chromedp.Reload())

	// the card: size, fit and speed before anything downloads
	pick(b, good)
	c := card(b, good)
	t.Logf("card: %q (estimate %s tok/s, %s s for 500 tokens)", c.Text, c.DecodeTPS, c.PrefillS)
	sizeText := fmt.Sprintf("%.1f MB", float64(len(model))/1e6)
	if !strings.Contains(c.Text, sizeText) || c.Fit != "yes" || !strings.Contains(c.Text, "Fits this device") ||
		!strings.Contains(c.Text, "tokens/s") || !strings.Contains(c.Text, "random-weight test model") || !strings.Contains(c.Text, repo) {
		t.Errorf("card for %s: %+v, want its size %s, fit, a speed and its description", goodGGUF, c, sizeText)
	}
	if len(hub.BodyRequests()) != 0 {
		t.Fatalf("the hub served model bytes before Load: %+v", hub.BodyRequests())
	}
	b.Screenshot("catalog-card")

	// download: progress, a dropped connection, the whole-file check, then chat
	b.Do("press Load", chromedp.Click("#load", chromedp.NodeVisible))
	b.WaitFor("the progress bar", `!document.getElementById("progress-row").hidden && document.getElementById("progress").max > 1`, 30*time.Second)
	var max float64
	b.Eval(`document.getElementById("progress").max`, &max)
	if int(max) != len(model) {
		t.Errorf("progress bar max %v, want the file's %d bytes", max, len(model))
	}
	b.Allow(`ERR_CONTENT_LENGTH_MISMATCH`) // the dropped connection
	waitStatus(t, b, "is ready", 2*time.Minute)
	var ranged, bodies int
	var ranges []string
	for _, r := range hub.BodyRequests() {
		if strings.Contains(r.Path, goodGGUF) {
			bodies++
			ranges = append(ranges, fmt.Sprintf("%s %d", r.Range, r.Status))
			if r.Range != "" && !strings.HasPrefix(r.Range, "bytes=0-") {
				ranged++
			}
		}
	}
	t.Logf("hub body answers for %s: %s", goodGGUF, strings.Join(ranges, ", "))
	if bodies < 2 || ranged < 1 {
		t.Errorf("hub body requests for %s: %d, %d resuming with Range after the drop: %+v", goodGGUF, bodies, ranged, hub.BodyRequests())
	}
	if found, complete, n := cachedOf(b, good); !found || !complete || n != int64(len(model)) {
		t.Errorf("cache after the download: found %v, complete %v, %d bytes", found, complete, n)
	}
	if reply := chat(b, "Hello there", 1); reply == "" {
		t.Error("no reply from the downloaded model")
	}
	b.Screenshot("catalog-chat")

	// a hub that serves wrong bytes: refused, deleted, said
	pick(b, bad)
	b.Do("press Load", chromedp.Click("#load", chromedp.NodeVisible))
	status := waitStatus(t, b, "SHA-256", 2*time.Minute)
	if !strings.Contains(status, "deleted") || !strings.Contains(status, badGGUF) {
		t.Errorf("status after wrong bytes: %q, want it to name the file and say it was deleted", status)
	}
	if found, _, n := cachedOf(b, bad); found {
		t.Errorf("the bad file is still cached (%d bytes)", n)
	}
	var leftover int
	b.Eval(`caches.open("hearth-models").then((c) => c.keys()).then((k) => k.length)`, &leftover)
	b.Screenshot("catalog-bad-hash")
	b.Allow(`SHA-256`) // the load's error, reported by the page
	b.CheckClean()

	// a reload in the middle of a download: Load again continues it with Range, the hash
	// fed first with the cached pieces, and the file is verified
	pick(b, slow)
	b.Do("press Load", chromedp.Click("#load", chromedp.NodeVisible))
	for end := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if _, _, n := cachedOf(b, slow); n >= 1e6 {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the first MB of %s never reached the cache", slowGGUF)
		}
	}
	b.Do("reload in the middle", chromedp.Reload())
	b.Allow(`ERR_ABORTED|ERR_FAILED`) // the download the reload cut
	pick(b, slow)
	if found, complete, n := cachedOf(b, slow); !found || complete || n < 500_000 || n >= int64(len(model)) {
		t.Fatalf("after the reload the cache holds %d bytes of %s (found %v, complete %v), want a part", n, slowGGUF, found, complete)
	} else {
		t.Logf("after the reload: %d of %d bytes cached", n, len(model))
	}
	b.Do("press Load", chromedp.Click("#load", chromedp.NodeVisible))
	waitStatus(t, b, "Synth Chat (slow hub) is ready", 2*time.Minute)
	var resumed []string
	for _, r := range hub.BodyRequests() {
		if strings.Contains(r.Path, slowGGUF) {
			resumed = append(resumed, r.Range)
		}
	}
	t.Logf("hub body answers for %s: %s", slowGGUF, strings.Join(resumed, ", "))
	if last := resumed[len(resumed)-1]; strings.HasPrefix(last, "bytes=0-") {
		t.Errorf("the download after the reload asked for %s, want the rest only", last)
	}
	b.CheckClean()

	// offline: the hub and the server gone, the page from the service worker; the verified
	// model loads from the cache (its hash checked again) and chats
	b.WaitFor("the service worker controls the page", `!!navigator.serviceWorker.controller`, 30*time.Second)
	hub.Close()
	srv.Stop()
	goOffline(b)
	b.Allow(`net::ERR_INTERNET_DISCONNECTED|net::ERR_CONNECTION_REFUSED|Failed to fetch`)
	b.Do("reload offline", chromedp.Navigate(srv.URL))
	pick(b, good)
	b.WaitFor("Load enabled", `!document.getElementById("load").disabled`, 30*time.Second)
	b.Do("press Load", chromedp.Click("#load", chromedp.NodeVisible))
	waitStatus(t, b, "Synth Chat is ready", 2*time.Minute)
	if reply := chat(b, "Hello again", 2); reply == "" {
		t.Error("no reply offline")
	}
	b.Screenshot("catalog-offline-chat")
	b.CheckClean()
}

// waitStatus waits until the page's status line contains want, logging each status it
// shows on the way, and returns it.
func waitStatus(t *testing.T, b *webtest.Browser, want string, d time.Duration) string {
	t.Helper()
	end := time.Now().Add(d)
	last := ""
	for {
		var s string
		b.Eval(`document.getElementById("status").textContent + " | " + document.getElementById("progress-text").textContent`, &s)
		if s != last {
			t.Logf("status: %s", s)
			last = s
		}
		if strings.Contains(s, want) {
			return s
		}
		if time.Now().After(end) {
			b.Screenshot("catalog-status-timeout")
			t.Fatalf("the status never said %q (last: %q; page problems: %q)", want, s, b.Problems())
		}
		time.Sleep(200 * time.Millisecond)
	}
}
