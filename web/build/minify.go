package main

import (
	"bytes"
	"fmt"
	"regexp"

	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/html"
	"github.com/tdewolff/minify/v2/js"
	"github.com/tdewolff/minify/v2/json"
	"github.com/tdewolff/minify/v2/svg"
)

// Media types the minifier knows, by the extension of the file they are minified for.
var mediaTypes = map[string]string{
	".js":          "text/javascript",
	".css":         "text/css",
	".html":        "text/html",
	".svg":         "image/svg+xml",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
}

// newMinifier returns tdewolff/minify set up for the bundle's text types. HTML keeps its
// doctype, <html>/<head>/<body> and end tags (optional in HTML, but a page that another tool
// or a person reads later should not depend on that) and minifies the JSON data block in it.
func newMinifier() *minify.M {
	m := minify.New()
	m.AddFunc("text/css", css.Minify)
	m.Add("text/html", &html.Minifier{KeepDocumentTags: true, KeepEndTags: true, KeepQuotes: true})
	m.AddFunc("image/svg+xml", svg.Minify)
	m.AddFuncRegexp(regexp.MustCompile(`^(application|text)/(x-)?(java|ecma)script$`), js.Minify)
	m.AddFuncRegexp(regexp.MustCompile(`[/+]json$`), json.Minify)
	return m
}

// minifyAs minifies data as the type of a file with extension ext.
func minifyAs(m *minify.M, ext string, data []byte) ([]byte, error) {
	mt, ok := mediaTypes[ext]
	if !ok {
		return nil, fmt.Errorf("no minifier for %s files", ext)
	}
	var out bytes.Buffer
	if err := m.Minify(mt, &out, bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("minify %s: %w", mt, err)
	}
	return out.Bytes(), nil
}
