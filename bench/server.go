package main

import (
	"net"
	"net/http"
	"path/filepath"
	"strings"
)

// isolated serves h with the headers that make the page cross-origin isolated (COOP
// same-origin + COEP require-corp, so SharedArrayBuffer and wasm threads are available),
// and no-store so every run fetches the model over loopback again rather than from the
// HTTP cache.
func isolated(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
		w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		w.Header().Set("Cross-Origin-Resource-Policy", "same-origin")
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

// site is what the bench server serves.
type site struct {
	Static string            // the Hearth bundle (web/build output, models added)
	Wllama string            // the @wllama/wllama package folder (node_modules)
	GGUF   map[string]string // /gguf/<name>.gguf -> file, for wllama
	Page   []byte            // /bench.html
	Script []byte            // /bench.js
}

func (s *site) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/wllama/", http.StripPrefix("/wllama/", http.FileServer(http.Dir(s.Wllama))))
	mux.HandleFunc("/gguf/", func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.GGUF[strings.TrimPrefix(r.URL.Path, "/gguf/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeFile(w, r, filepath.Clean(p))
	})
	mux.HandleFunc("/bench.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(s.Page)
	})
	mux.HandleFunc("/bench.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write(s.Script)
	})
	mux.Handle("/", http.FileServer(http.Dir(s.Static)))
	return isolated(mux)
}

// serve starts the server on a free loopback port; it returns the base URL and a stop
// function.
func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}
