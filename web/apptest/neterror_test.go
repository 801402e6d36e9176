package apptest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// serveLoopback serves h on a new loopback port until the test ends; its base URL.
func serveLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

// checkURL types url into "Load from a URL", presses Check size and returns what the
// page says once the host has been asked.
func (p *page) checkURL(url string) string {
	p.t.Helper()
	p.Eval(fmt.Sprintf(`(() => { const el = document.getElementById("model-url"); el.value = %s;
		el.dispatchEvent(new Event("input", { bubbles: true })); return true })()`, js(url)), nil)
	p.click("#url-check")
	p.WaitFor("the host asked", `(() => { const i = document.getElementById("url-info"); return i.textContent && !/Asking the host/.test(i.textContent) })()`, 30*time.Second)
	return p.str(`document.getElementById("url-info").textContent`)
}

// TestNetworkErrors (issue 17 item 10): a model URL that cannot be fetched says why — a
// host that answers without CORS headers, a host that is down, an HTTP error, a device
// that is offline — instead of always blaming CORS. In the app, which is cross-origin
// isolated, a host that is down and one without CORS headers look the same to the page:
// the message names both (a plain page tells them apart, checked on the module).
func TestNetworkErrors(t *testing.T) {
	gguf := []byte("GGUF\x03\x00\x00\x00" + strings.Repeat("\x00", 56))
	noCORS := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "m.gguf", time.Time{}, strings.NewReader(string(gguf)))
	}))
	withCORS := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "Range, If-Range")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.NotFound(w, r)
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String() + "/"
	ln.Close() // nothing listens there

	hostOf := func(u string) string { return strings.TrimSuffix(strings.TrimPrefix(u, "http://"), "/") }
	type errCase struct {
		name, url string
		want      []string
		not       string
	}
	check := func(got string, c errCase) {
		t.Helper()
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q, want it to say %q", c.name, got, w)
			}
		}
		if c.not != "" && strings.Contains(got, c.not) {
			t.Errorf("%s: %q, which blames %s", c.name, got, c.not)
		}
	}

	// An ordinary (not cross-origin isolated) page can ask the host with a no-cors request
	// whether it is up: neterror.js tells a host without CORS headers from one that is down.
	plain := serveLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!DOCTYPE html><title>plain</title>`))
	}))
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Allow(`net::ERR_|Failed to load resource|CORS policy|Access to fetch`)
	b.Do("open a plain page", chromedp.Navigate(plain))
	b.Eval(bundleModule(t, "neterror.js", "neterror")+`; window.neterror = neterror; true`, nil)
	for _, c := range []errCase{
		{"no CORS headers", noCORS + "m.gguf", []string{hostOf(noCORS) + " answered but does not let this page read /m.gguf", "Access-Control-Allow-Origin"}, ""},
		{"host down", down + "m.gguf", []string{"cannot reach " + hostOf(down) + ": the host is down"}, "CORS"},
	} {
		var got string
		b.Eval(fmt.Sprintf(`fetch(%[1]s, { headers: { Range: "bytes=0-7" } }).then(() => "fetched", (e) => neterror.fetchFailure(%[1]s, e))`, js(c.url)), &got)
		check(got, c)
	}
	b.CheckClean()

	// The app (cross-origin isolated): what "Load from a URL" says.
	p := openApp(t, webtest.BrowserOptions{})
	p.Allow(`net::ERR_|Failed to load resource|CORS policy|Access to fetch`)
	p.click("#url-panel summary")
	for _, c := range []errCase{
		{"no CORS headers", noCORS + "m.gguf", []string{"no readable answer from " + hostOf(noCORS) + ": the host is down or unreachable, or it does not let this page read /m.gguf", "Access-Control-Allow-Origin"}, ""},
		{"host down", down + "m.gguf", []string{"no readable answer from " + hostOf(down) + ": the host is down"}, ""},
		{"HTTP 404", withCORS + "missing.gguf", []string{hostOf(withCORS) + " answered HTTP 404 Not Found", "/missing.gguf"}, "CORS"},
	} {
		check(p.checkURL(c.url), c)
		p.Screenshot("app-url-error-" + strings.ReplaceAll(c.name, " ", "-"))
	}

	// Offline: the page says so, whatever the host.
	yes := true
	p.Do("go offline", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: &yes,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: true, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		return err
	}))
	check(p.checkURL(noCORS+"m.gguf"), errCase{"offline", "", []string{"this device is offline: " + hostOf(noCORS) + " cannot be reached"}, "CORS"})
	p.Screenshot("app-url-error-offline")
	p.CheckClean()
}
