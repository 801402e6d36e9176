//go:build !js

package hub

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"sync/atomic"
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

	// SHA256 (lowercase hex), when set, is what the whole file must hash to: bytes are
	// hashed as they arrive (a resumed part is re-read once), and a finished file that
	// does not match is deleted (*MismatchError). A file that changes on the hub during
	// the download then ends it with *ChangedError, since the expected hash is stale.
	SHA256 string
	// Size, when positive, is the file's length: a hub that announces another one
	// (Content-Length, Content-Range) is refused, and nothing past it is stored.
	Size int64
	// IdleTimeout drops a connection that delivers no byte for this long (waiting for
	// the answer included) and resumes (0 means 30s).
	IdleTimeout time.Duration
}

// MismatchError: the finished file does not hash to the expected sha256. It was deleted.
type MismatchError struct {
	Name      string
	Got, Want string
	Size      int64
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("%s: sha256 mismatch: the %s received hash to %s, the hub says %s; the download was deleted", e.Name, formatBytes(e.Size), e.Got, e.Want)
}

// ChangedError: the hub's file changed during the download (its ETag is not the one the
// download began with). What was downloaded was deleted; the expected sha256 is stale.
type ChangedError struct{ Old, New string }

func (e *ChangedError) Error() string {
	return fmt.Sprintf("the hub changed the file during the download (ETag %s, now %s)", e.Old, e.New)
}

// permanentError is a failure that retrying cannot fix (404, 403, a bad URL, disk errors).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanent(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}

// Download fetches url into dest. Bytes arrive in dest+".part" (with its validator in
// dest+".part.json"), so an interrupted download — this call's dropped connection or
// stalled hub, or an earlier run's — resumes with Range and If-Range; a server that ignores
// Range sends the whole file and the download restarts cleanly; a file that changed since
// (a 206 or 200 with another ETag than the If-Range sent) is detected. Dropped and idle
// connections, 416 answers, refused lengths and 5xx answers are retried with exponential
// backoff, at most Options.Retries times in a row without a new byte (a restart from 0
// re-fetches bytes, which do not count as new). On success dest holds the complete file
// — verified against Options.SHA256 when set — and the .part files are gone.
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
	if d.opt.IdleTimeout <= 0 {
		d.opt.IdleTimeout = 30 * time.Second
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
			if !d.finished {
				d.meter.finish()
			}
			return d.commit()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var perm *permanentError
		var changed *ChangedError
		if errors.As(err, &perm) || errors.As(err, &changed) {
			return err
		}
		if progressed {
			fails, delay = 0, d.opt.Backoff
		}
		fails++
		if fails > d.opt.Retries {
			return fmt.Errorf("download %s: giving up after %d attempts without progress: %w", url, fails, err)
		}
		d.meter.note("%s: %v; retrying in %s (%d of %d)", name, err, delay, fails, d.opt.Retries)
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

	high     int64     // the most bytes the part file has held in this call
	sum      hash.Hash // sha256 of the part file's first summed bytes (with Options.SHA256)
	summed   int64
	finished bool // the final progress line is drawn
}

// attempt makes one request and appends what it receives to the part file. progressed
// reports whether the part file grew past the most it held before in this call.
func (d *downloader) attempt(ctx context.Context) (progressed bool, err error) {
	st, off, err := d.resumePoint()
	if err != nil {
		return false, err
	}
	if d.opt.Size > 0 && off == d.opt.Size {
		// An earlier run stored every byte but stopped before renaming.
		d.meter.reset(off, off)
		return false, d.verifyPart()
	}
	if off > 0 {
		d.meter.note("%s: resuming at %s of %s", d.meter.name, formatBytes(off), formatTotal(st.Total))
	}

	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := &idleTimer{d: d.opt.IdleTimeout}
	idle.t = time.AfterFunc(idle.d, func() { idle.fired.Store(true); cancel() })
	defer idle.t.Stop()

	req, err := http.NewRequestWithContext(actx, http.MethodGet, d.url, nil)
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
		if idle.fired.Load() && ctx.Err() == nil {
			return false, fmt.Errorf("no answer from the hub in %s", d.opt.IdleTimeout)
		}
		return false, fmt.Errorf("request failed: %w", err)
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusPartialContent && off > 0:
		if v := validator(resp.Header); v != "" && v != st.Validator {
			// A hub that ignored If-Range and sent a slice of another file.
			return false, d.changed(st.Validator, v)
		}
		start, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || start != off {
			// Not the slice we asked for: drop what we have and start over.
			d.clear()
			return false, fmt.Errorf("server answered Range bytes=%d- with Content-Range %q; restarting", off, resp.Header.Get("Content-Range"))
		}
		if d.opt.Size > 0 && (total != d.opt.Size || resp.ContentLength >= 0 && resp.ContentLength != d.opt.Size-off) {
			return false, fmt.Errorf("the hub announced %d bytes but answers Range bytes=%d- with Content-Range %q, Content-Length %d; refusing it",
				d.opt.Size, off, resp.Header.Get("Content-Range"), resp.ContentLength)
		}
		st.Total = total
	case resp.StatusCode == http.StatusOK:
		// Whole file: the first request, a server without Range support, or a file that
		// changed since the part was written (If-Range did not match).
		v := validator(resp.Header)
		if off > 0 {
			if v != st.Validator {
				if d.opt.SHA256 != "" {
					return false, d.changed(st.Validator, v)
				}
				d.meter.note("%s: the hub changed the file (ETag %s, now %s): restarting from 0", d.meter.name, st.Validator, v)
			} else {
				d.meter.note("%s: server sent the whole file (no Range support); restarting from 0", d.meter.name)
			}
		}
		if d.opt.Size > 0 && resp.ContentLength >= 0 && resp.ContentLength != d.opt.Size {
			return false, fmt.Errorf("the hub announced %d bytes but sends Content-Length %d; refusing it", d.opt.Size, resp.ContentLength)
		}
		off = 0
		st = partState{URL: d.url, Validator: v, Total: resp.ContentLength, SHA256: d.opt.SHA256}
		if d.opt.Size > 0 {
			st.Total = d.opt.Size
		}
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && off > 0:
		if total, ok := unsatisfiedLength(resp.Header.Get("Content-Range")); ok && total == off && st.Total == off && d.opt.Size <= 0 {
			// An earlier run stored every byte but stopped before renaming, and the file
			// is unchanged (a changed one would have come whole, If-Range failing).
			d.meter.reset(off, off)
			return false, d.verifyPart()
		}
		// Counted as a failure: a hub that lies about the length loops here otherwise.
		d.clear()
		return false, fmt.Errorf("server refused Range bytes=%d- (416, Content-Range %q); restarting from 0", off, resp.Header.Get("Content-Range"))
	default:
		if err := statusError(resp, d.url); err != nil {
			return false, fmt.Errorf("download %w", err)
		}
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
	if err := d.hashPrefix(f, off); err != nil {
		return false, permanent("download: %v", err)
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return false, permanent("download: %v", err)
	}
	if err := st.save(d.part + ".json"); err != nil {
		return false, permanent("download: %v", err)
	}

	d.meter.reset(off, st.Total)
	limit := int64(-1)
	if d.opt.Size > 0 {
		limit = d.opt.Size - off
	}
	n, err := d.copyBody(f, &idleReader{r: resp.Body, idle: idle}, limit)
	progressed = off+n > d.high
	d.high = max(d.high, off+n)
	if err != nil {
		var werr *writeError
		if errors.As(err, &werr) {
			return progressed, permanent("download: %v", werr.err)
		}
		if errors.Is(err, errTooLong) {
			d.clear()
			return false, fmt.Errorf("the hub sent more than the file's %d bytes; restarting from 0", d.opt.Size)
		}
		if idle.fired.Load() && ctx.Err() == nil {
			return progressed, fmt.Errorf("no data from the hub for %s at %s; resuming", d.opt.IdleTimeout, formatBytes(off+n))
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
	return progressed, d.verify(off + n)
}

// changed forgets the partial download of a file the hub has since replaced. With an
// expected sha256 the download ends (*ChangedError: the hash is stale); without one it is
// a failed attempt, and the next one starts from 0.
func (d *downloader) changed(old, now string) error {
	d.clear()
	if d.opt.SHA256 != "" {
		d.meter.note("%s: the hub changed the file (ETag %s, now %s): deleted what was downloaded", d.meter.name, old, now)
		return &ChangedError{Old: old, New: now}
	}
	return fmt.Errorf("the hub changed the file (ETag %s, now %s); restarting from 0", old, now)
}

// hashPrefix makes d.sum cover the part file's first off bytes, re-reading them when it
// does not already (a resumed download, or a restart).
func (d *downloader) hashPrefix(f *os.File, off int64) error {
	if d.opt.SHA256 == "" || d.sum != nil && d.summed == off {
		return nil
	}
	d.sum, d.summed = sha256.New(), 0
	if off == 0 {
		return nil
	}
	d.meter.note("%s: checking the %s already downloaded", d.meter.name, formatBytes(off))
	n, err := io.Copy(d.sum, io.NewSectionReader(f, 0, off))
	d.summed = n
	if err != nil {
		return err
	}
	if n != off {
		return fmt.Errorf("%s: read %d of %d bytes", d.part, n, off)
	}
	return nil
}

// verifyPart checks a part file that already holds every byte.
func (d *downloader) verifyPart() error {
	if d.opt.SHA256 == "" {
		return nil
	}
	f, err := os.Open(d.part)
	if err != nil {
		return permanent("download: %v", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return permanent("download: %v", err)
	}
	if err := d.hashPrefix(f, fi.Size()); err != nil {
		return permanent("download: %v", err)
	}
	return d.verify(fi.Size())
}

// verify compares the finished file's hash with the expected one; a mismatch deletes it.
func (d *downloader) verify(size int64) error {
	if d.opt.SHA256 == "" {
		return nil
	}
	d.meter.finish()
	d.finished = true
	got := hex.EncodeToString(d.sum.Sum(nil))
	if got != d.opt.SHA256 {
		d.clear()
		d.meter.note("%s: sha256 mismatch (got %s, want %s): deleted the download", d.meter.name, got, d.opt.SHA256)
		return permanent("%w", &MismatchError{Name: d.meter.name, Got: got, Want: d.opt.SHA256, Size: size})
	}
	d.meter.note("%s: verified sha256 %s (%s)", d.meter.name, got, formatBytes(size))
	return nil
}

var errTooLong = errors.New("body longer than the file")

// copyBody copies src to dst (and into the running hash), at most limit bytes when limit
// is not negative (more is errTooLong), ticking the meter with each chunk.
func (d *downloader) copyBody(dst io.Writer, src io.Reader, limit int64) (int64, error) {
	buf := make([]byte, 256<<10)
	var n int64
	for {
		k, rerr := src.Read(buf)
		if k > 0 {
			if limit >= 0 && n+int64(k) > limit {
				k = int(limit - n)
				rerr = errTooLong
			}
			if _, err := dst.Write(buf[:k]); err != nil {
				return n, &writeError{err}
			}
			if d.sum != nil {
				d.sum.Write(buf[:k])
				d.summed += int64(k)
			}
			n += int64(k)
			d.meter.add(k)
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// idleTimer cancels a request that has delivered nothing for d.
type idleTimer struct {
	d     time.Duration
	t     *time.Timer
	fired atomic.Bool
}

// idleReader pushes the idle deadline back with every byte read.
type idleReader struct {
	r    io.Reader
	idle *idleTimer
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		r.idle.t.Reset(r.idle.d)
	}
	return n, err
}

func formatTotal(n int64) string {
	if n < 0 {
		return "an unknown size"
	}
	return formatBytes(n)
}

// resumePoint returns the saved state and the offset to resume from: the part file's size
// when it belongs to this URL and has a validator to guard the resume, else 0.
func (d *downloader) resumePoint() (partState, int64, error) {
	st, err := loadPartState(d.part + ".json")
	fi, serr := os.Stat(d.part)
	if err != nil || serr != nil || st.URL != d.url || st.Validator == "" || st.SHA256 != d.opt.SHA256 {
		return partState{Total: -1}, 0, nil
	}
	off := fi.Size()
	if st.Total >= 0 && off > st.Total || d.opt.Size > 0 && (off > d.opt.Size || st.Total >= 0 && st.Total != d.opt.Size) {
		return partState{Total: -1}, 0, nil
	}
	return st, off, nil
}

// clear forgets the partial download.
func (d *downloader) clear() {
	os.Remove(d.part)
	os.Remove(d.part + ".json")
	d.sum, d.summed = nil, 0
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

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if os.IsPathSeparator(p[i]) {
			return p[i+1:]
		}
	}
	return p
}
