package apptest

import (
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// TestInstallable asks Chromium whether the app can be installed (web app manifest, icons,
// service worker): it must report no installability error.
func TestInstallable(t *testing.T) {
	p := openApp(t, webtest.BrowserOptions{})
	p.WaitFor("the service worker in control", `navigator.serviceWorker.controller || navigator.serviceWorker.ready.then(() => true)`, 20*time.Second)
	var errs []*cdppage.InstallabilityError
	for i := 0; i < 20; i++ {
		res, err := chromedp.Call(p.Ctx, cdppage.GetInstallabilityErrors, struct{}{})
		if err != nil {
			t.Fatal(err)
		}
		errs = res.InstallabilityErrors
		if len(errs) == 0 {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	for _, e := range errs {
		var args []string
		for _, a := range e.ErrorArguments {
			args = append(args, a.Name+"="+a.Value)
		}
		t.Errorf("installability: %s %v", e.ErrorID, args)
	}
	p.CheckClean()
}
