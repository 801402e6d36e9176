package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/evanw/esbuild/pkg/api"

	"hearth"
)

// The embeddable widget's sources: widget.js (the <hearth-chat> element other sites load
// by its fixed URL) with its styles, and the embed page it frames (embed.templ, its
// script and style sheet). They are built when present.
const (
	widgetEntry = "web/widget/widget.js"
	widgetStyle = "web/widget/widget.css"
	embedEntry  = "web/embed/embed.js"
	embedStyle  = "web/embed/embed.css"
	widgetName  = "widget.js"
	embedName   = "embed.html"
)

// addWidget stages widget.js under its own, unhashed name (other sites' pages refer to it;
// the server has it revalidated on each use) with widget.css minified into it as the string
// HEARTH_WIDGET_CSS, and the embed page: its script and style hashed, embed.templ rendered
// to embed.html. It returns the embed page's assets, empty when the sources are absent.
func (b *builder) addWidget(a hearth.Assets) (hearth.EmbedAssets, error) {
	var e hearth.EmbedAssets
	if !b.exists(widgetEntry) {
		return e, nil
	}
	if !b.exists(embedEntry) {
		return e, fmt.Errorf("%s needs the embed page, %s", widgetEntry, embedEntry)
	}
	if a.Worker == "" {
		return e, fmt.Errorf("the embed page needs the engine's worker (%s)", workerEntry)
	}
	src, err := os.ReadFile(filepath.Join(b.opt.Root, filepath.FromSlash(widgetStyle)))
	if err != nil {
		return e, err
	}
	style, err := minifyAs(b.min, ".css", src)
	if err != nil {
		return e, fmt.Errorf("%s: %w", widgetStyle, err)
	}
	q, _ := json.Marshal(string(style))
	out, err := bundle(b.opt.Root, widgetEntry, api.FormatIIFE, map[string]string{"HEARTH_WIDGET_CSS": string(q)})
	if err != nil {
		return e, err
	}
	code, err := minifyAs(b.min, ".js", out.code)
	if err != nil {
		return e, fmt.Errorf("%s: %w", widgetEntry, err)
	}
	var size int64 = int64(len(src))
	for _, in := range out.inputs {
		fi, err := os.Stat(filepath.Join(b.opt.Root, filepath.FromSlash(in)))
		if err != nil {
			return e, err
		}
		size += fi.Size()
	}
	b.add(widgetName, code, false, append(out.inputs, widgetStyle), size)

	e.Worker, e.Models = a.Worker, a.Models
	if e.Style, err = b.bundled(embedStyle, "embed.css", api.FormatDefault, nil); err != nil {
		return e, err
	}
	if e.Script, err = b.bundled(embedEntry, "embed.js", api.FormatESModule, nil); err != nil {
		return e, err
	}
	var page bytes.Buffer
	if err := hearth.Embed(e).Render(context.Background(), &page); err != nil {
		return e, fmt.Errorf("render embed.templ: %w", err)
	}
	m, err := minifyAs(b.min, ".html", page.Bytes())
	if err != nil {
		return e, fmt.Errorf("%s: %w", embedName, err)
	}
	b.add(embedName, m, false, []string{"embed.templ"}, int64(page.Len()))
	return e, nil
}
