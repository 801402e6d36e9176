package widgettest

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"hearth/internal/axe"
	"hearth/internal/limits"
	"hearth/internal/webtest"
)

// frameRules are axe's moderate rules the embed page passes too: one main landmark, an h1,
// all content in landmarks.
var frameRules = []string{"landmark-one-main", "page-has-heading-one", "region"}

// TestWidgetAccessibility (issue 17 item 14) runs axe-core inside the widget's iframe (the
// embed page, as <hearth-chat> frames it on a host page) ready, after a reply, and in the
// dark theme: no serious or critical violation; the frame has a main landmark and an h1.
func TestWidgetAccessibility(t *testing.T) {
	axe.Source(t) // skips before starting Chromium when axe-core is not installed
	dir, _ := webtest.Site(t)
	srv := webtest.StartServer(t, dir)
	site := hostSite(t, map[string]string{
		"/bubble.html": hostPage(srv.URL),
		"/host.css":    hostCSS,
		"/favicon.svg": favicon,
	}, nil)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{Width: 1000, Height: 760, Timeout: 3 * time.Minute})
	b.Do("open the host page", chromedp.Navigate(site+"bubble.html"))
	b.WaitFor("the element is defined", `customElements.get("hearth-chat")`, 20*time.Second)
	b.Eval(fmt.Sprintf(recorder, origin(srv.URL)), nil)
	b.Eval(`document.querySelector("hearth-chat").open(), true`, nil)
	b.WaitFor("hearth-ready", `__hc.events.some((e) => e.type === "hearth-ready" || e.type === "hearth-error")`, 90*time.Second)
	if errs := events(b, "hearth-error"); len(errs) > 0 {
		t.Fatalf("hearth-error: %v", errs)
	}
	axe.Check(t, b, "widget, ready", "/embed.html", frameRules...)
	b.Screenshot("a11y-widget-ready")

	// send()'s option ranges are internal/limits' too, in the same words.
	var refused string
	b.Eval(`document.querySelector("hearth-chat").send("x", { topP: 0 }).then(() => "", (e) => e.message)`, &refused)
	topP, _ := limits.Lookup("topP")
	if want := "hearth-chat send(): " + topP.Check("topP", 0).Error(); refused != want {
		t.Errorf("send with topP 0: %q, want %q", refused, want)
	}

	var reply string
	b.Eval(`document.querySelector("hearth-chat").send(`+jsString(prompt)+`, `+greedy32+`)`, &reply)
	time.Sleep(300 * time.Millisecond)
	axe.Check(t, b, "widget, chatting", "/embed.html", frameRules...)
	b.Screenshot("a11y-widget-chatting")

	if _, err := chromedp.Call(b.Ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}}}); err != nil {
		t.Fatal(err)
	}
	axe.Check(t, b, "widget, chatting, dark", "/embed.html", frameRules...)
	b.Screenshot("a11y-widget-dark")
	b.CheckClean()
}
