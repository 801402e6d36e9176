//go:build !js

package hub

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Pin is what a caller already knows a file must be (a catalog entry); empty fields are
// learned from the hub.
type Pin struct {
	SHA256 string // lowercase hex
	Size   int64
}

// Fetch downloads ref's file from the hub at base into dest and verifies it: it learns the
// file's sha256 and size from the hub first (Lookup), refuses a hub that disagrees with
// pin, downloads with opt (resumable, hashed as it arrives) and leaves dest only when the
// whole file matches. When the hub's file changes during the download, or the finished file
// does not match while the hub now names another hash, it looks the file up again and
// starts over, at most opt.Retries times. It returns what the file was verified against.
func Fetch(ctx context.Context, base string, ref Ref, dest string, pin Pin, opt Options) (Expected, error) {
	if opt.Retries <= 0 {
		opt.Retries = 6
	}
	name := opt.Name
	if name == "" {
		name = baseName(dest)
		opt.Name = name
	}
	u, err := ref.URL(base)
	if err != nil {
		return Expected{}, err
	}
	m := newMeter(opt.Progress, opt.Terminal, name, nil)
	for restarts := 0; ; restarts++ {
		exp, err := lookupRetrying(ctx, base, ref, opt, m)
		if err != nil {
			return Expected{}, err
		}
		if pin.SHA256 != "" && exp.SHA256 != pin.SHA256 || pin.Size > 0 && exp.Size != pin.Size {
			return exp, fmt.Errorf("%s/%s: the hub serves sha256 %s (%d bytes), but the catalog lists sha256 %s (%d bytes): refusing it (the repository changed the file?)",
				ref.Repo, ref.File, exp.SHA256, exp.Size, pin.SHA256, pin.Size)
		}
		m.note("%s: %s, sha256 %s (from the hub's %s)", name, formatBytes(exp.Size), exp.SHA256, exp.From)
		o := opt
		o.SHA256, o.Size = exp.SHA256, exp.Size
		err = Download(ctx, u, dest, o)
		if err == nil {
			return exp, nil
		}
		var changed *ChangedError
		var mismatch *MismatchError
		switch {
		case errors.As(err, &changed):
		case errors.As(err, &mismatch):
			// Worth another try only if the hub's file changed under the download.
			now, lerr := lookupRetrying(ctx, base, ref, opt, m)
			if lerr != nil || now.SHA256 == exp.SHA256 {
				return exp, err
			}
			m.note("%s: the hub now names sha256 %s: starting over", name, now.SHA256)
		default:
			return exp, err
		}
		if restarts >= opt.Retries {
			return exp, fmt.Errorf("%s: the hub's file kept changing (%d restarts): %w", name, restarts, err)
		}
	}
}

// lookupRetrying is Lookup with Download's retry rule for transient failures, each
// attempt bounded by the idle timeout.
func lookupRetrying(ctx context.Context, base string, ref Ref, opt Options, m *meter) (Expected, error) {
	delay := opt.Backoff
	if delay <= 0 {
		delay = time.Second
	}
	idle := opt.IdleTimeout
	if idle <= 0 {
		idle = 30 * time.Second
	}
	for fails := 1; ; fails++ {
		// The idle timeout bounds the whole lookup: its answers have no body to wait for.
		lctx, cancel := context.WithTimeout(ctx, idle)
		exp, err := Lookup(lctx, opt.Client, base, ref)
		if err != nil && lctx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("no answer from the hub in %s when asking for the file's sha256", idle)
		}
		cancel()
		var perm *permanentError
		if err == nil || errors.As(err, &perm) || ctx.Err() != nil || fails > opt.Retries {
			return exp, err
		}
		m.note("%s: %v; retrying in %s (%d of %d)", m.name, err, delay, fails, opt.Retries)
		select {
		case <-ctx.Done():
			return Expected{}, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, max(opt.MaxBackoff, delay))
	}
}
