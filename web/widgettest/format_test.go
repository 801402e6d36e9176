package widgettest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/internal/webtest"
)

// TestWidgetResponseFormat: send() with a response_format gets JSON that follows the schema
// back from the served model (a base model: the embed page continues the text under the
// schema), and a bad response_format is refused with a message that says so.
func TestWidgetResponseFormat(t *testing.T) {
	dir, _ := webtest.Site(t)
	srv := webtest.StartServer(t, dir)
	site := hostSite(t, map[string]string{
		"/bubble.html": hostPage(srv.URL),
		"/host.css":    hostCSS,
		"/favicon.svg": favicon,
	}, nil)
	b := webtest.NewBrowser(t, webtest.BrowserOptions{Timeout: 3 * time.Minute})
	b.Do("open the host page", chromedp.Navigate(site+"bubble.html"))
	b.WaitFor("the element is defined", `customElements.get("hearth-chat")`, 20*time.Second)
	b.Eval(fmt.Sprintf(recorder, origin(srv.URL)), nil)
	b.Eval(`document.querySelector("hearth-chat").open(), true`, nil)
	b.WaitFor("hearth-ready", `__hc.events.some((e) => e.type === "hearth-ready" || e.type === "hearth-error")`, 90*time.Second)
	if errs := events(b, "hearth-error"); len(errs) > 0 {
		t.Fatalf("hearth-error: %v", errs)
	}
	var out struct{ Reply, Refused string }
	b.Eval(`(async () => {
		const el = document.querySelector("hearth-chat");
		const schema = { type: "object", properties: { hero: { type: "string", maxLength: 12 }, age: { type: "integer", minimum: 1, maximum: 9 } }, required: ["hero", "age"] };
		const reply = await el.send("Once upon a time", { maxTokens: 300, temperature: 1, seed: 3,
			response_format: { type: "json_schema", json_schema: { name: "story", schema, strict: true } } });
		const refused = await el.send("x", { responseFormat: { type: "yaml" } }).then(() => "", (e) => e.message);
		return { reply, refused };
	})()`, &out)
	var v struct {
		Hero *string
		Age  *float64
	}
	if err := json.Unmarshal([]byte(out.Reply), &v); err != nil || v.Hero == nil || len([]rune(*v.Hero)) > 12 || v.Age == nil || *v.Age < 1 || *v.Age > 9 {
		t.Fatalf("reply %q does not follow the schema (%v)", out.Reply, err)
	}
	if !strings.Contains(out.Refused, "hearth-chat send(): responseFormat must be") {
		t.Errorf("bad responseFormat: %q", out.Refused)
	}
	b.CheckClean()
}
