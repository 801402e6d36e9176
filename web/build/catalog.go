package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// The model catalog: the models the picker offers to download straight from Hugging Face
// (repo, file, size, sha256, …), maintained in internal/catalog. The build writes it as
// catalog.json next to index.html (a fixed name, part of the app shell the service worker
// keeps), with the hub the files come from; web/app/catalog.js reads it.
const (
	catalogSource = "internal/catalog/catalog.json"
	catalogName   = "catalog.json"
	defaultHub    = "https://huggingface.co"
)

// catalogFile is catalog.json: {"format": 1, "hub": URL, "models": [...]}.
type catalogFile struct {
	Format int               `json:"format"`
	Hub    string            `json:"hub"`
	Models []json.RawMessage `json:"models"`
}

// addCatalog stages catalog.json from the repository's catalog (no models when it has
// none) and hub ("" for huggingface.co). A catalog that is not JSON, or a hub that is not
// an http(s) URL, fails the build.
func (b *builder) addCatalog(hub string) error {
	if hub == "" {
		hub = defaultHub
	}
	u, err := url.Parse(hub)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("hub %q: want an http(s) URL such as %s", hub, defaultHub)
	}
	out := catalogFile{Format: 1, Hub: strings.TrimRight(hub, "/"), Models: []json.RawMessage{}}
	var sources []string
	raw, err := os.ReadFile(filepath.Join(b.opt.Root, filepath.FromSlash(catalogSource)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		sources = []string{catalogSource}
		// internal/catalog's file: a list of models, or an object with one
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			var obj struct {
				Models []json.RawMessage `json:"models"`
			}
			if err2 := json.Unmarshal(raw, &obj); err2 != nil {
				return fmt.Errorf("%s: %v", catalogSource, err)
			}
			list = obj.Models
		}
		out.Models = list
	}
	data, err := json.Marshal(out)
	if err != nil {
		return err
	}
	b.add(catalogName, data, false, sources, int64(len(raw)))
	return nil
}
