package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestWidgetBuilt checks the widget's outputs: widget.js keeps its fixed name (other sites
// refer to it) and carries its style sheet, minified, with no build-time name left over;
// embed.html refers only to files the build wrote, relative to itself, with no inline code,
// and its asset block names the same files as the build result.
func TestWidgetBuilt(t *testing.T) {
	res := built(t)
	if res.Embed.Script == "" {
		t.Fatal("no embed page in the build result")
	}
	widget := string(readOut(t, widgetName))
	if strings.Contains(widget, "HEARTH_WIDGET_CSS") {
		t.Error("widget.js still names HEARTH_WIDGET_CSS: the define was not applied")
	}
	for _, want := range []string{"hearth-chat", ".launcher", ":host(", "adoptedStyleSheets"} {
		if !strings.Contains(widget, want) {
			t.Errorf("widget.js lacks %q", want)
		}
	}
	src, err := os.ReadFile(filepath.Join(testRoot, widgetStyle))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(widget, "/*") || strings.Contains(widget, "\n  ") || len(widget) >= len(src)+20000 {
		t.Errorf("widget.js (%d bytes) looks unminified", len(widget))
	}

	page := readOut(t, embedName)
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	var block map[string]string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				switch {
				case a.Key == "src" || a.Key == "href":
					refs = append(refs, a.Val)
				case a.Key == "style" || strings.HasPrefix(a.Key, "on"):
					t.Errorf("embed.html: <%s %s=...>: the CSP would block it", n.Data, a.Key)
				}
			}
			switch {
			case n.Data == "style":
				t.Error("embed.html: inline <style>: the CSP would block it")
			case n.Data == "script" && attr(n, "type") == "application/json" && attr(n, "id") == "hearth-embed-assets":
				if err := json.Unmarshal([]byte(n.FirstChild.Data), &block); err != nil {
					t.Errorf("hearth-embed-assets: %v", err)
				}
			case n.Data == "script" && attr(n, "src") == "":
				t.Error("embed.html: inline <script>: the CSP would block it")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	want := map[string]string{"script": res.Embed.Script, "style": res.Embed.Style, "worker": res.Assets.Worker, "models": modelsIndex}
	for k, v := range want {
		if block[k] != v {
			t.Errorf("hearth-embed-assets %s = %q, want %q", k, block[k], v)
		}
	}
	if len(refs) != 2 {
		t.Errorf("embed.html refers to %q, want its style sheet and script", refs)
	}
	for k, r := range block {
		if k != "models" {
			refs = append(refs, r)
		}
	}
	for _, r := range refs {
		if strings.Contains(r, ":") || strings.HasPrefix(r, "/") || strings.Contains(r, "..") {
			t.Errorf("embed.html: reference %q is not relative to the page", r)
			continue
		}
		if _, err := os.Stat(filepath.Join(testOut, filepath.FromSlash(r))); err != nil {
			t.Errorf("embed.html refers to %s, which the build did not write", r)
		}
	}
}
