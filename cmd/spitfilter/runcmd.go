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
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/obs"
)

// runDaemon implements "spitfilter run [--config FILE] [--workers N]": the
// inline daemon, until SIGINT or SIGTERM. SIGHUP reloads the config. Logs go
// to stderr, events to the config's events target.
func runDaemon(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfig, "config `FILE`")
	workers := fs.Int("workers", 0, "analysis workers (default: the number of CPUs)")
	prioName := fs.String("analysis-priority", "idle", "how analysis shares the CPU: idle (only spare CPU; traffic and the host's work first) or batch (a fair share)")
	depth := fs.Int("analysis-depth", DefaultAnalysisDepth, "audio frames a stream may have waiting for analysis before its audio is skipped")
	rcvbuf := fs.Int("rcvbuf", DefaultReadBuffer, "netlink receive buffer per queue, in `bytes`")
	spare := fs.Int("spare-recognizers", -1, "recognizers kept ready for new streams, made at start and handed back, reset, by ended ones: a call's analysis starts without making one (0.3-0.4 s of CPU for PocketSphinx), each kept one holds its memory (default -1: one per worker; 0: none)")
	queue := fs.String("queue", "", "NFQUEUE number or range `N|N-M`, in place of the config's queue")
	recName := fs.String("recognizers", "process", "where the recognizers run: process (a process of their own, spitfilter recognizer, started at the analysis priority and again should it end: the daemon's process stays small) or inline (in the daemon's process)")
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
	if *spare < -1 {
		fmt.Fprintf(stderr, "spitfilter run: --spare-recognizers %d: want 0 or more (-1: one per worker)\n", *spare)
		return 2
	}
	prio, err := ParseAnalysisPriority(*prioName)
	if err != nil {
		fmt.Fprintf(stderr, "spitfilter run: --analysis-priority: %v\n", err)
		return 2
	}
	recs, err := ParseRecognizers(*recName)
	if err != nil {
		fmt.Fprintf(stderr, "spitfilter run: --recognizers: %v\n", err)
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
	if *queue != "" {
		q, err := config.ParseQueue(*queue)
		if err != nil {
			fmt.Fprintf(stderr, "spitfilter run: --queue: %v\n", err)
			return 2
		}
		cfg.Queue = q
	}
	var events *obs.Writer
	switch cfg.Events {
	case "":
	case "-":
		events = obs.NewWriter(stdout, obs.WriterConfig{Transcript: cfg.Transcript, Log: log})
	default:
		if events, err = obs.OpenWriter(cfg.Events, obs.WriterConfig{Transcript: cfg.Transcript, Log: log}); err != nil {
			fmt.Fprintf(stderr, "spitfilter run: events: %v\n", err)
			return 2
		}
	}
	if events != nil {
		defer events.Close()
	}
	hooks, err := obs.NewHooks(obs.HooksConfig{Exec: cfg.Hooks.Exec, Webhook: cfg.Hooks.Webhook,
		Timeout: cfg.Hooks.Timeout, Transcript: cfg.Transcript}, log)
	if err != nil {
		fmt.Fprintf(stderr, "spitfilter run: %s: hooks: %v\n", *path, err)
		return 2
	}
	defer hooks.Close()
	emit := func(e event) {
		oe := obsEvent(e)
		if events != nil {
			events.Emit(oe)
		}
		if oe.Type == obs.Detection {
			hooks.Fire(oe)
		}
	}
	o := daemonOptions{
		ConfigPath: *path, Log: log, Emit: emit, Workers: *workers, AnalysisPriority: prio,
		AnalysisDepth: *depth, ReadBuffer: *rcvbuf, Env: os.Getenv, SpareRecognizers: spareOption(*spare),
	}
	if recs == RecognizersProcess {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintf(stderr, "spitfilter run: --recognizers process: this program's path: %v\n", err)
			return 2
		}
		o.RecognizerArgv = recognizerArgv(exe, string(cfg.Engine), cfg.Model, *path)
		o.RecognizerStderr = stderr
	}
	d, err := newDaemon(cfg, o)
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
				ev := obs.Event{Time: time.Now(), Type: obs.Reload}
				if err := d.reload(); err != nil { // logged too
					ev.Type, ev.Reason = obs.ReloadFailed, err.Error()
				}
				if events != nil {
					events.Emit(ev)
					events.Reopen() // logrotate: the events file starts anew
				}
			}
		}
	}()
	if cfg.Metrics != "" {
		var qs []uint16
		for q := int(cfg.Queue.First); q <= int(cfg.Queue.Last); q++ {
			qs = append(qs, uint16(q))
		}
		col, err := obs.NewCollector(obs.CollectorConfig{Source: obs.SourceFunc(d.obsStats), Queues: qs, Log: log})
		if err != nil {
			fmt.Fprintf(stderr, "spitfilter run: metrics: %v\n", err)
			return 2
		}
		reg := prometheus.NewRegistry()
		reg.MustRegister(col, hooks)
		if events != nil {
			reg.MustRegister(events)
		}
		go func() {
			if err := obs.Serve(ctx, cfg.Metrics, reg); err != nil {
				log.Error("metrics listener failed; the daemon goes on without it", "err", err)
			}
		}()
	}
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

// spareOption turns --spare-recognizers (-1: one per worker, 0: none) into
// daemonOptions.SpareRecognizers (0: one per worker, negative: none).
func spareOption(flag int) int {
	switch {
	case flag < 0:
		return 0
	case flag == 0:
		return -1
	}
	return flag
}
