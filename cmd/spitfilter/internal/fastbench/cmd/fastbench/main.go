// Package main is the fastbench command.
//
// Command fastbench measures NFQUEUE judges on the fast path in one run, in
// the same pair of network namespaces: the added one-way latency
// (p50/p99/p99.9) at fixed rates and the highest lossless packet rate, with
// the p99 of each judge as a ratio to the C judge's. It prints a markdown
// report on stdout and progress on stderr. It needs root.
//
// Usage:
//
//	fastbench [flags]
//
// By default it builds and measures two reference judges: "c", a do-nothing
// libnetfilter_queue judge (gcc, libnetfilter-queue-dev), and "go", a naive
// do-nothing go-nfqueue judge (the go command, run inside this module). More
// judges are added with -judge NAME=COMMAND ARGS..., for example
//
//	fastbench -judge 'spitfilter=bin/spitfilter run --config bench.yaml --queue {queue}'
//
// A judge must bind the NFQUEUE number given by $SPITFILTER_BENCH_QUEUE or
// by {queue} in its arguments, accept (or otherwise verdict) what it
// reads, and end on SIGTERM. It runs in the receiver's namespace as root.
//
// On a noisy machine one run does not rank judges (the same C judge's
// lossless rate can vary by a factor of two between runs). With -rounds N
// (N > 1) fastbench runs the whole bench N times in a row, each round every
// judge in turn, so the judges interleave in time. Round i starts at the
// i-th judge (c, go, spitfilter; go, spitfilter, c; spitfilter, c, go; ...),
// so that no judge is always measured first, when the machine has just set
// up the lab, or always last. It then prints a "Summary over N rounds" (per
// judge the median and range of the lossless rate and of the paired p99 at
// each rate, and of the per-round ratios to the reference judge, then the
// paired differences pooled over the rounds), then each round's report
// under "## Round i of N". If a round fails, the rounds done so far are
// still printed, and fastbench exits 1. With -rounds 1, the default, the output
// is the one report.
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
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/fastbench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

type judgeFlags []fastbench.Judge

func (j *judgeFlags) String() string { return fmt.Sprint(len(*j), " judges") }

func (j *judgeFlags) Set(s string) error {
	jd, err := fastbench.ParseJudge(s)
	if err != nil {
		return err
	}
	*j = append(*j, jd)
	return nil
}

type ratesFlag []int

func (r *ratesFlag) String() string { return fmt.Sprint([]int(*r)) }

func (r *ratesFlag) Set(s string) error {
	*r = nil
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return fmt.Errorf("rate %q: want packets per second, e.g. 10000,40000", f)
		}
		*r = append(*r, v)
	}
	return nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("fastbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		judges judgeFlags
		rates  ratesFlag
		cfg    fastbench.Config
	)
	fs.Var(&judges, "judge", "`name=command args...` to measure besides the built-in ones (repeatable; {queue} is the queue number)")
	fs.Var(&rates, "rates", "comma-separated rates in packets/s for the latency runs (default 10000,40000)")
	builtin := fs.Bool("builtin", true, "build and measure the reference judges c and go")
	idle := fs.Bool("idle-load", false, "also measure c-idle-load: the C judge with one SCHED_IDLE busy process per CPU running beside it (what sharing the CPUs with work that takes the spare time costs; with -builtin)")
	memLoad := fs.Int("mem-load", 0, "also measure c-mem-load: the C judge holding this many MiB of its own, written once and left idle (what memory a judge holds, as spitfilter holds its recognizers, costs its latency; with -builtin; 0: off)")
	cSrc := fs.String("c-judge", "", "use this C judge binary instead of building it")
	goBin := fs.String("go-judge", "", "use this go-nfqueue judge binary instead of building it")
	fs.DurationVar(&cfg.Duration, "duration", 0, "length of each latency run (default 2s)")
	fs.DurationVar(&cfg.SearchDuration, "search-duration", 0, "length of each lossless-search run (default 2s; negative: no search)")
	fs.IntVar(&cfg.SearchMax, "search-max", 0, "highest rate the lossless search tries (default 400000)")
	fs.DurationVar(&cfg.Spin, "spin", 0, "busy-wait this long before each send instead of sleeping to it")
	fs.IntVar(&cfg.Nice, "nice", 0, "niceness of the judges and the rig's threads (-20..19; negative needs root, as everything here)")
	fs.IntVar(&cfg.RTPriority, "rt", 0, "run the judges and the rig's threads SCHED_FIFO at this priority (1..99; 0: off)")
	fs.BoolVar(&cfg.Bye, "bye", true, "end each run's queued stream with an RTCP BYE, as a phone does at hang-up (spitfilter then keeps the stream's recognizer for a later run's)")
	queue := fs.Uint("queue", 0, "NFQUEUE number used in the lab's namespace")
	fs.IntVar(&cfg.Port, "port", 0, "judged UDP port; port+1 is the baseline (default 30000)")
	fs.StringVar(&cfg.Reference, "reference", "", "judge the p99 ratios are against (default c)")
	rounds := fs.Int("rounds", 1, "run the whole bench this many times in a row, judges interleaved across rounds, and print a summary over the rounds (median and min–max, ratios to the reference taken per round) before each round's report")
	verbose := fs.Bool("v", false, "log every search run")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fastbench: unexpected argument %q (judges go in -judge 'name=command args')\n", fs.Arg(0))
		return 2
	}
	if *queue > 65535 {
		fmt.Fprintf(stderr, "fastbench: -queue %d: want 0-65535\n", *queue)
		return 2
	}
	if *rounds < 1 {
		fmt.Fprintf(stderr, "fastbench: -rounds %d: want 1 or more\n", *rounds)
		return 2
	}
	if *idle && !*builtin {
		fmt.Fprintf(stderr, "fastbench: -idle-load measures the built-in C judge: leave -builtin on\n")
		return 2
	}
	if *memLoad < 0 || *memLoad > 0 && !*builtin {
		fmt.Fprintf(stderr, "fastbench: -mem-load %d: want a size in MiB (0: off), with the built-in C judge (leave -builtin on)\n", *memLoad)
		return 2
	}
	cfg.Queue = uint16(*queue)
	cfg.Rates = rates
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	if *builtin {
		dir, err := os.MkdirTemp("", "fastbench-")
		if err != nil {
			fmt.Fprintf(stderr, "fastbench: %v\n", err)
			return 2
		}
		defer os.RemoveAll(dir)
		c, g := *cSrc, *goBin
		if c == "" {
			if c, err = fastbench.BuildCJudge(ctx, dir); err != nil {
				fmt.Fprintf(stderr, "fastbench: build the C judge: %v\n", err)
				return 2
			}
		}
		if g == "" {
			if g, err = fastbench.BuildGoJudge(ctx, dir, ""); err != nil {
				fmt.Fprintf(stderr, "fastbench: build the Go judge (run from inside the spitfilter module, or give -go-judge): %v\n", err)
				return 2
			}
		}
		cfg.Judges = fastbench.DefaultJudges(c, g)
		if *idle {
			cfg.Judges = append(cfg.Judges, fastbench.IdleLoadJudge(c))
		}
		if *memLoad > 0 {
			cfg.Judges = append(cfg.Judges, fastbench.MemLoadJudge(c, *memLoad))
		}
	}
	cfg.Judges = append(cfg.Judges, judges...)
	if len(cfg.Judges) == 0 {
		fmt.Fprintf(stderr, "fastbench: no judges: give -judge or leave -builtin on\n")
		return 2
	}
	var reps []*fastbench.Report
	code := 0
	all := cfg.Judges
	for i := range *rounds {
		if *rounds > 1 {
			cfg.Logger.Info("round", "round", i+1, "of", *rounds)
		}
		cfg.Judges = rotated(all, i)
		rep, err := fastbench.Bench(ctx, cfg)
		if err != nil {
			if *rounds > 1 {
				err = fmt.Errorf("round %d of %d: %w", i+1, *rounds, err)
			}
			fmt.Fprintf(stderr, "fastbench: %v\n", err)
			code = 1
			break
		}
		reps = append(reps, rep)
	}
	if len(reps) == 0 {
		return code
	}
	if err := writeReports(stdout, reps); err != nil {
		fmt.Fprintf(stderr, "fastbench: %v\n", err)
		return 1
	}
	return code
}

// rotated is js started at its (i mod len)-th judge, the ones before it
// moved to the end.
func rotated(js []fastbench.Judge, i int) []fastbench.Judge {
	k := i % len(js)
	return append(slices.Clone(js[k:]), js[:k]...)
}

// writeReports writes one report as it is, or several (rounds) as a
// summary over them followed by each under "## Round i of N".
func writeReports(w io.Writer, reps []*fastbench.Report) error {
	if len(reps) == 1 {
		return reps[0].WriteMarkdown(w)
	}
	if err := fastbench.WriteSummary(w, reps); err != nil {
		return err
	}
	for i, rep := range reps {
		if _, err := fmt.Fprintf(w, "\n## Round %d of %d\n\n", i+1, len(reps)); err != nil {
			return err
		}
		if err := rep.WriteMarkdown(w); err != nil {
			return err
		}
	}
	return nil
}
