// Command server serves the Hearth static bundle: the app, the wasm engine and the model
// shards, with the headers that make threads work (COOP/COEP/CORP), a strict CSP that still
// lets wasm run, long-lived caching of content-hashed files, Range requests on shards and
// precompressed assets. It never runs inference; any static host can serve the same folder.
//
//	go run ./server --addr 127.0.0.1:8080 --static ./static
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if err == flag.ErrHelp {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	}
	if err := run(context.Background(), cfg, nil); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// parseConfig reads the flags, with defaults from $HEARTH_ADDR and $HEARTH_STATIC.
func parseConfig(args []string, getenv func(string) string, errOut io.Writer) (config, error) {
	cfg := config{Addr: "127.0.0.1:8080", Static: "static", Log: os.Stderr, ShutdownTimeout: defaultShutdownTimeout, WriteStall: defaultWriteStall}
	if v := getenv("HEARTH_ADDR"); v != "" {
		cfg.Addr = v
	}
	if v := getenv("HEARTH_STATIC"); v != "" {
		cfg.Static = v
	}
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env HEARTH_ADDR)")
	fs.StringVar(&cfg.Static, "static", cfg.Static, "static bundle folder to serve (env HEARTH_STATIC)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", cfg.ShutdownTimeout, "how long SIGTERM waits for in-flight requests")
	fs.DurationVar(&cfg.WriteStall, "write-stall-timeout", cfg.WriteStall, "close a connection whose download makes no progress for this long (a slow but moving one goes on)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, nil
}
