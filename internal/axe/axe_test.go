package axe

import (
	"net"
	"net/http"
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

// TestRunFindsViolations: axe-core runs in the page and in a frame, and finds what it must
// — low contrast (serious), a button whose accessible name does not contain its visible
// text (the experimental rule Run turns on) — and nothing on a clean page.
func TestRunFindsViolations(t *testing.T) {
	Source(t)
	pages := map[string]string{
		"/bad.html": `<!DOCTYPE html><html lang="en"><head><title>bad</title></head><body><main><h1>Bad</h1>
<p style="color:#999;background:#fff">faint text</p><button aria-label="Do it now">Regenerate</button>
<iframe src="/clean.html" title="inner"></iframe></main></body></html>`,
		"/clean.html": `<!DOCTYPE html><html lang="en"><head><title>clean</title></head><body><main><h1>Clean</h1><p>Fine.</p>
<button aria-label="Regenerate this reply">Regenerate</button></main></body></html>`,
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(pages[r.URL.Path]))
	})}
	go srv.Serve(ln)
	defer srv.Close()
	b := webtest.NewBrowser(t, webtest.BrowserOptions{})
	b.Do("open", chromedp.Navigate("http://"+ln.Addr().String()+"/bad.html"))
	b.WaitFor("the frame", `document.querySelector("iframe").contentDocument?.readyState === "complete"`, 10*time.Second)
	ids := map[string]string{}
	for _, v := range Run(t, b, "/bad.html") {
		ids[v.ID] = v.Impact
	}
	if ids["color-contrast"] != "serious" || ids["label-content-name-mismatch"] == "" {
		t.Errorf("violations on the bad page: %v, want color-contrast (serious) and label-content-name-mismatch", ids)
	}
	if v := Run(t, b, "/clean.html"); len(v) != 0 {
		var s []string
		for _, x := range v {
			s = append(s, x.String())
		}
		t.Errorf("violations in the clean frame: %s", strings.Join(s, "\n"))
	}
}
