package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
)

// runDaemon implements "spitfilter run [--config FILE] [--workers N]": the
// inline daemon, until SIGINT or SIGTERM. SIGHUP reloads the config. Logs go
// to stderr, events to the config's events target.
func runDaemon(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config `FILE`")
	workers := fs.Int("workers", 0, "analysis workers (default: the number of CPUs)")
	depth := fs.Int("analysis-depth", DefaultAnalysisDepth, "audio frames a stream may have waiting for analysis before its audio is skipped")
	rcvbuf := fs.Int("rcvbuf", DefaultReadBuffer, "netlink receive buffer per queue, in `bytes`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spitfilter run: unexpected argument %q (the file goes after --config)\n", fs.Arg(0))
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	cfg, err := config.Load(*path)
	if err != nil {
		for _, e := range splitErrors(err) {
			fmt.Fprintln(stderr, e)
		}
		fmt.Fprintf(stderr, "spitfilter run: %s: the config has errors; nothing started\n", *path)
		return 2
	}
	var emit func(event)
	switch cfg.Events {
	case "":
	case "-":
		emit = jsonLines(stdout)
	default:
		f, err := os.OpenFile(cfg.Events, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			fmt.Fprintf(stderr, "spitfilter run: events: %v\n", err)
			return 2
		}
		defer f.Close()
		emit = jsonLines(f)
	}
	// TODO(obs): metrics listener on cfg.Metrics from d.stats(), hooks on
	// detection events, once cmd/spitfilter/internal/obs exists.
	d, err := newDaemon(cfg, daemonOptions{
		ConfigPath: *path, Log: log, Emit: emit, Workers: *workers,
		AnalysisDepth: *depth, ReadBuffer: *rcvbuf, Env: os.Getenv,
	})
	if err != nil {
		fmt.Fprintf(stderr, "spitfilter run: %v\n", err)
		return 2
	}
	defer d.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				d.reload() // logs why a bad config was refused
			}
		}
	}()
	if err := d.Run(ctx); err != nil {
		fmt.Fprintf(stderr, "spitfilter run: %v\n", err)
		return 1
	}
	log.Info("stopped", "packets", totalPackets(d.stats()))
	return 0
}

func totalPackets(s daemonStats) uint64 {
	var n uint64
	for _, q := range s.Queues {
		n += q.Packets
	}
	return n
}
