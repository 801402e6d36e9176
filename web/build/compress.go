package main

import (
	"bytes"
	"compress/gzip"
	"path"

	"github.com/andybalholm/brotli"
)

// compressible says whether a file gets precompressed .gz and .br siblings: text assets and
// WebAssembly. Model shards are never compressed (they live under models/, which the build
// does not touch) and images other than SVG are compressed already.
func compressible(name string) bool {
	switch path.Ext(name) {
	case ".html", ".js", ".mjs", ".css", ".svg", ".json", ".webmanifest", ".txt", ".wasm":
		return true
	}
	return false
}

// gzipBytes compresses data at the best level. The header carries no name and no time, so
// the same input always gives the same bytes.
func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// brotliBytes compresses data at a quality from 1 to 11 with a window fitted to the input.
func brotliBytes(data []byte, quality int) ([]byte, error) {
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: quality, LGWin: brotliWindow(len(data))})
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// brotliWindow is the smallest window (log2, 10 to 24) that holds n bytes.
func brotliWindow(n int) int {
	w := 10
	for w < 24 && 1<<w < n {
		w++
	}
	return w
}
