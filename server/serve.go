package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const defaultShutdownTimeout = 30 * time.Second

// config is what the command line sets.
type config struct {
	Addr            string
	Static          string
	Log             io.Writer // access log and server errors
	ShutdownTimeout time.Duration
	// WriteStall closes a connection whose response makes no write progress for this long
	// (0 means 60s); see writeStallGuard.
	WriteStall time.Duration
	// listen opens the listener (nil: net.Listen); tests set socket options through it.
	listen func(network, addr string) (net.Listener, error)
}

// run serves until ctx ends or the process gets SIGINT/SIGTERM, then shuts down gracefully:
// the listener closes at once and in-flight requests (a shard half-way through) get up to
// cfg.ShutdownTimeout to finish. ready, when set, learns the listening address.
func run(ctx context.Context, cfg config, ready func(net.Addr)) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	h, err := newServer(cfg.Static, cfg.Log)
	if err != nil {
		return err
	}
	if cfg.WriteStall <= 0 {
		cfg.WriteStall = defaultWriteStall
	}
	if cfg.listen == nil {
		cfg.listen = net.Listen
	}
	ln, err := cfg.listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           writeStallGuard(h, cfg.WriteStall),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(cfg.Log, "http: ", 0),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(cfg.Log, "serving %s on http://%s\n", cfg.Static, ln.Addr())
	if ready != nil {
		ready(ln.Addr())
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(cfg.Log, "shutting down: waiting for in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(cfg.Log, "stopped")
	return nil
}
