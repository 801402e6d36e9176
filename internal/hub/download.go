//go:build !js

package hub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Options tune Download. The zero value works: default client, no progress output.
type Options struct {
	// Client does the requests; nil means a client without an overall timeout (downloads
	// are long) that follows up to 10 redirects.
	Client *http.Client
	// Progress receives the progress display; nil prints nothing.
	Progress io.Writer
	// Terminal redraws one progress line in place; otherwise a plain line now and then.
	Terminal bool
	// Retries is how many consecutive attempts may fail without any progress before
	// Download gives up (0 means 6).
	Retries int
	// Backoff is the delay before the first retry, doubled after each failure up to
	// MaxBackoff (0 means 1s and 30s).
	Backoff, MaxBackoff time.Duration
	// Name labels the progress line (default: the destination's base name).
	Name string
}

// permanentError is a failure that retrying cannot fix (404, 403, a bad URL, disk errors).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}

// Download fetches url into dest. Bytes arrive in dest+".part" (with its validator in
// dest+".part.json"), so an interrupted download — this call's dropped connection or an
// earlier run's — resumes with Range and If-Range; a server that ignores Range, or whose
// file changed since, sends the whole file and the download restarts cleanly. Dropped
// connections and 5xx answers are retried with exponential backoff, at most
// Options.Retries times in a row without progress. On success dest holds the complete
// file and the .part files are gone.
func Download(ctx context.Context, url, dest string, opt Options) error {
	d := &downloader{url: url, dest: dest, part: dest + ".part", opt: opt}
	if d.opt.Client == nil {
		d.opt.Client = &http.Client{}
	}
	if d.opt.Retries <= 0 {
		d.opt.Retries = 6
	}
	if d.opt.Backoff <= 0 {
		d.opt.Backoff = time.Second
	}
	if d.opt.MaxBackoff <= 0 {
		d.opt.MaxBackoff = 30 * time.Second
	}
	name := opt.Name
	if name == "" {
		name = baseName(dest)
	}
	d.meter = newMeter(opt.Progress, opt.Terminal, name, nil)

	fails := 0
	delay := d.opt.Backoff
	for {
		progressed, err := d.attempt(ctx)
		if err == nil {
			d.meter.finish()
			return d.commit()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var perm *permanentError
		if errors.As(err, &perm) {
			return err
		}
		if progressed {
			fails, delay = 0, d.opt.Backoff
		}
		fails++
		if fails > d.opt.Retries {
			return fmt.Errorf("download %s: giving up after %d attempts without progress: %w", url, fails, err)
		}
		d.meter.note("%s: %v; retrying in %s", name, err, delay)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, d.opt.MaxBackoff)
	}
}

type downloader struct {
	url, dest, part string
	opt             Options
	meter           *meter
}

// attempt makes one request and appends what it receives to the part file. progressed
// reports whether any new byte was stored.
func (d *downloader) attempt(ctx context.Context) (progressed bool, err error) {
	st, off, err := d.resumePoint()
	if err != nil {
		return false, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.url, nil)
	if err != nil {
		return false, permanent("download %s: %v", d.url, err)
	}
	req.Header.Set("Accept-Encoding", "identity") // byte offsets must be those of the file
	if off > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", off))
		req.Header.Set("If-Range", st.Validator)
	}
	resp, err := d.opt.Client.Do(req)
	if err != nil {
		return false, fmt.Errorf("request failed: %w", err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			// Not the slice we asked for: drop what we have and start over.
			d.clear()
			return true, fmt.Errorf("server answered Range bytes=%d- with Content-Range %q; restarting", off, resp.Header.Get("Content-Range"))
		}
		st.Total = total
	case resp.StatusCode == http.StatusOK:
		// Whole file: the first request, a server without Range support, or a file that
		// changed since the part was written (If-Range did not match).
		if off > 0 {
			d.meter.note("%s: server sent the whole file; restarting from 0", d.meter.name)
		}
		off = 0
		st = partState{URL: d.url, Validator: validator(resp.Header), Total: resp.ContentLength}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && off > 0:
		if total, ok := unsatisfiedLength(resp.Header.Get("Content-Range")); ok && total == off && st.Total == off {
			// An earlier run stored every byte but stopped before renaming, and the file
			// is unchanged (a changed one would have come whole, If-Range failing).
			d.meter.reset(off, off)
			return false, nil
		}
		d.clear()
		return true, fmt.Errorf("server refused Range bytes=%d- (416); restarting", off)
	case resp.StatusCode == http.StatusNotFound:
		return false, permanent("download %s: not found on the hub (404): check the repository and file name", d.url)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return false, permanent("download %s: %s: the repository may be private or gated (accept its terms on the hub)", d.url, resp.Status)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return false, fmt.Errorf("server error: %s", resp.Status)
	default:
		return false, permanent("download %s: unexpected answer %s", d.url, resp.Status)
	}

	f, err := os.OpenFile(d.part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return false, permanent("download: %v", err)
	}
	defer f.Close()
	if err := f.Truncate(off); err != nil {
		return false, permanent("download: %v", err)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return false, permanent("download: %v", err)
	}
	if err := st.save(d.part + ".json"); err != nil {
		return false, permanent("download: %v", err)
	}

	d.meter.reset(off, st.Total)
	n, err := copyCounting(f, resp.Body, d.meter.add)
	progressed = n > 0
	if err != nil {
		var werr *writeError
		if errors.As(err, &werr) {
			return progressed, permanent("download: %v", werr.err)
		}
		return progressed, fmt.Errorf("connection lost after %s: %w", formatBytes(off+n), err)
	}
	if st.Total >= 0 && off+n != st.Total {
		return progressed, fmt.Errorf("connection closed at %d of %d bytes", off+n, st.Total)
	}
	if err := f.Sync(); err != nil {
		return progressed, permanent("download: %v", err)
	}
	if st.Total < 0 {
		// Length unknown until now: record it so a crash before the rename is recognized.
		st.Total = off + n
		if err := st.save(d.part + ".json"); err != nil {
			return progressed, permanent("download: %v", err)
		}
	}
	return progressed, nil
}

// resumePoint returns the saved state and the offset to resume from: the part file's size
// when it belongs to this URL and has a validator to guard the resume, else 0.
func (d *downloader) resumePoint() (partState, int64, error) {
	st, err := loadPartState(d.part + ".json")
	fi, serr := os.Stat(d.part)
	if err != nil || serr != nil || st.URL != d.url || st.Validator == "" {
		return partState{Total: -1}, 0, nil
	}
	off := fi.Size()
	if st.Total >= 0 && off > st.Total {
		return partState{Total: -1}, 0, nil
	}
	return st, off, nil
}

// clear forgets the partial download.
func (d *downloader) clear() {
	os.Remove(d.part)
	os.Remove(d.part + ".json")
}

// commit moves the finished part file into place.
func (d *downloader) commit() error {
	if err := os.Rename(d.part, d.dest); err != nil {
		return fmt.Errorf("download: %v", err)
	}
	os.Remove(d.part + ".json")
	return nil
}

// validator picks what If-Range may carry: a strong ETag, else Last-Modified (a weak ETag
// may not be used with If-Range). "" when the server sent neither, and the download then
// cannot be resumed safely.
func validator(h http.Header) string {
	if et := h.Get("ETag"); len(et) > 2 && et[0] == '"' {
		return et
	}
	return h.Get("Last-Modified")
}

// writeError marks a failure of the destination, not of the connection.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// copyCounting copies src to dst, calling tick with each chunk's size.
func copyCounting(dst io.Writer, src io.Reader, tick func(int)) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, rerr := src.Read(buf)
		if k > 0 {
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, &writeError{err}
			}
			n += int64(k)
			tick(k)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if os.IsPathSeparator(p[i]) {
			return p[i+1:]
		}
	}
	return p
}
