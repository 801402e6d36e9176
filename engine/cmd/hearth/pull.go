//go:build !js

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"hearth/internal/catalog"
	"hearth/internal/hub"
	"hearth/internal/modelstore"
)

func init() {
	register("pull", "download a model from a hub, verify its sha256, and add it: CATALOG-ID or OWNER/REPO/FILE.gguf [--hub URL] [--id NAME]", runPull)
}

// catalogLookup resolves catalog ids (a variable so a test can map an entry to a synthetic
// file on a fake hub).
var catalogLookup = catalog.Lookup

var sha256Flag = regexp.MustCompile(`^[0-9a-f]{64}$`)

func runPull(args []string) error {
	fs := flag.NewFlagSet("pull", flag.ContinueOnError)
	hubURL := fs.String("hub", pullEnvOr("HEARTH_HUB", hub.DefaultHub), "model hub base URL (env HEARTH_HUB)")
	id := fs.String("id", "", "model id (default: the catalog id, or the file name without .gguf)")
	revision := fs.String("revision", "", "branch, tag or commit of an OWNER/REPO/FILE (default main; a catalog entry names its own)")
	wantSHA := fs.String("sha256", "", "the sha256 the file must have (default: the catalog's, and always the hub's)")
	shardSize := fs.String("shard-size", "64MiB", "bytes per shard")
	static := fs.String("static", staticDirDefault(), "static bundle folder (env HEARTH_STATIC)")
	dir := fs.String("dir", "", "where the download is kept while in progress (default: the user cache folder, hearth/downloads)")
	keep := fs.Bool("keep", false, "keep the downloaded GGUF after adding it")
	idle := fs.Duration("idle-timeout", 30*time.Second, "drop a connection that sends nothing for this long, and resume")
	retries := fs.Int("retries", 6, "attempts in a row without a new byte before giving up")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want exactly one CATALOG-ID or OWNER/REPO/FILE.gguf (usage: hearth pull CATALOG-ID|OWNER/REPO/FILE.gguf [--hub URL] [--id NAME])")
	}
	*wantSHA = strings.ToLower(*wantSHA)
	if *wantSHA != "" && !sha256Flag.MatchString(*wantSHA) {
		return fmt.Errorf("--sha256 %q: want 64 hex digits", *wantSHA)
	}
	ref, pin, defaultID, err := pullTarget(pos[0], *revision)
	if err != nil {
		return err
	}
	if *wantSHA != "" {
		if pin.SHA256 != "" && pin.SHA256 != *wantSHA {
			return fmt.Errorf("--sha256 %s disagrees with the catalog's %s for %s", *wantSHA, pin.SHA256, pos[0])
		}
		pin.SHA256 = *wantSHA
	}
	size, err := modelstore.ParseSize(*shardSize)
	if err != nil {
		return err
	}
	if *dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return fmt.Errorf("no download folder: %v (use --dir)", err)
		}
		*dir = filepath.Join(cache, "hearth", "downloads")
	}
	// One folder per repository keeps equal file names of different repos apart.
	destDir := filepath.Join(*dir, filepath.FromSlash(ref.Repo))
	if err := os.MkdirAll(destDir, 0o755); err != nil {
		return err
	}
	dest := filepath.Join(destDir, ref.Base())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	u, err := ref.URL(*hubURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "downloading %s\n", u)
	exp, err := hub.Fetch(ctx, *hubURL, ref, dest, pin, hub.Options{
		Progress: os.Stderr, Terminal: isTerminalFile(os.Stderr), IdleTimeout: *idle, Retries: *retries})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; run the same command again to resume (%s.part)", dest)
		}
		return err
	}
	if *id == "" {
		*id = defaultID
	}
	m, err := modelstore.Add(dest, modelstore.Options{Static: *static, ID: *id, ShardSize: size})
	if err != nil {
		return fmt.Errorf("downloaded and verified %s, but: %w", dest, err)
	}
	if m.SHA256 != "" && m.SHA256 != exp.SHA256 {
		// add-model hashed the file again; it must be the file that was verified.
		return fmt.Errorf("%s changed on disk after it was verified (sha256 %s, verified %s)", dest, m.SHA256, exp.SHA256)
	}
	if !*keep {
		os.Remove(dest)
	}
	fmt.Printf("added %s (%s, %s, %s, %d parameters) to %s: %d shards, sha256 %s (verified against the hub's %s)\n",
		m.ID, m.Name, m.Architecture, m.Quant, m.Parameters, modelstore.ModelsDir(*static), len(m.Shards), m.SHA256, exp.From)
	return nil
}

// pullTarget reads the positional argument: a catalog id (no slash) or OWNER/REPO/FILE.
func pullTarget(arg, revision string) (hub.Ref, hub.Pin, string, error) {
	if !strings.Contains(arg, "/") {
		e, ok := catalogLookup(arg)
		if !ok {
			return hub.Ref{}, hub.Pin{}, "", fmt.Errorf("%q is not in the catalog (ids: %s) and not OWNER/REPO/FILE.gguf", arg, strings.Join(catalog.IDs(), ", "))
		}
		if revision != "" {
			return hub.Ref{}, hub.Pin{}, "", errors.New("--revision is for OWNER/REPO/FILE; a catalog entry names its own")
		}
		return hub.Ref{Repo: e.Repo, File: e.File, Revision: e.Revision}, hub.Pin{SHA256: e.SHA256, Size: e.Size}, e.ID, nil
	}
	ref, err := hub.ParseRef(arg)
	if err != nil {
		return hub.Ref{}, hub.Pin{}, "", err
	}
	ref.Revision = revision
	return ref, hub.Pin{}, modelstore.IDFromPath(ref.Base()), nil
}

func pullEnvOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// isTerminalFile reports whether f is a character device (a terminal), where the progress bar
// may redraw itself in place.
func isTerminalFile(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
