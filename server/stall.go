package main

import (
	"net/http"
	"time"
)

// defaultWriteStall is how long a response may make no write progress before its
// connection is closed.
const defaultWriteStall = 60 * time.Second

// stallPiece is the most a response writes under one deadline.
const stallPiece = 64 << 10

// writeStallGuard closes connections that stop taking data. Before every piece of a
// response (at most 64 KiB) it pushes the connection's write deadline to now+d, so a slow
// download goes on for as long as it keeps moving — there is no limit on the whole
// response — while a client that stops reading is cut d after its socket buffers fill,
// and its descriptor is released. The deadline is also set when a request starts (a
// HEAD or 304 writes no body) and renewed when the handler returns, for the final flush.
func writeStallGuard(next http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &stallWriter{ResponseWriter: w, rc: http.NewResponseController(w), d: d}
		sw.extend()
		next.ServeHTTP(sw, r)
		sw.extend()
	})
}

// stallWriter is the ResponseWriter that extends the write deadline on progress.
type stallWriter struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *stallWriter) extend() { w.rc.SetWriteDeadline(time.Now().Add(w.d)) }

func (w *stallWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), stallPiece)
		w.extend()
		m, err := w.ResponseWriter.Write(p[:k])
		n += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// FlushError lets http.ResponseController (echo's Flush) flush under a fresh deadline.
func (w *stallWriter) FlushError() error {
	w.extend()
	return w.rc.Flush()
}

func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
