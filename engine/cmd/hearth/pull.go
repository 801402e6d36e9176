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
	"syscall"

	"hearth/internal/hub"
	"hearth/internal/modelstore"
)

func init() {
	register("pull", "download a GGUF from a model hub and add it: OWNER/REPO/FILE.gguf [--hub URL] [--id NAME]", runPull)
}

func runPull(args []string) error {
	fs := flag.NewFlagSet("pull", flag.ContinueOnError)
	hubURL := fs.String("hub", pullEnvOr("HEARTH_HUB", hub.DefaultHub), "model hub base URL (env HEARTH_HUB)")
	id := fs.String("id", "", "model id (default: the file name without .gguf)")
	shardSize := fs.String("shard-size", "64MiB", "bytes per shard")
	static := fs.String("static", staticDirDefault(), "static bundle folder (env HEARTH_STATIC)")
	dir := fs.String("dir", "", "where the download is kept while in progress (default: the user cache folder, hearth/downloads)")
	keep := fs.Bool("keep", false, "keep the downloaded GGUF after adding it")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return errors.New("want exactly one OWNER/REPO/FILE.gguf (usage: hearth pull OWNER/REPO/FILE.gguf [--hub URL] [--id NAME])")
	}
	ref, err := hub.ParseRef(pos[0])
	if err != nil {
		return err
	}
	url, err := ref.URL(*hubURL)
	if err != nil {
		return err
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
	fmt.Fprintf(os.Stderr, "downloading %s\n", url)
	err = hub.Download(ctx, url, dest, hub.Options{Progress: os.Stderr, Terminal: isTerminalFile(os.Stderr)})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted; run the same command again to resume (%s.part)", dest)
		}
		return err
	}
	if *id == "" {
		*id = modelstore.IDFromPath(ref.Base())
	}
	m, err := modelstore.Add(dest, modelstore.Options{Static: *static, ID: *id, ShardSize: size})
	if err != nil {
		return fmt.Errorf("downloaded to %s, but: %w", dest, err)
	}
	if !*keep {
		os.Remove(dest)
	}
	fmt.Printf("added %s (%s, %s, %s, %d parameters) to %s: %d shards, sha256 %s\n",
		m.ID, m.Name, m.Architecture, m.Quant, m.Parameters, modelstore.ModelsDir(*static), len(m.Shards), m.SHA256)
	return nil
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
