// Package main is the gojudge command.
//
// Command gojudge is the naive do-nothing go-nfqueue judge fastbench measures:
// the straightforward usage from go-nfqueue's documentation (Open, a
// callback registered with RegisterWithErrorFunc, SetVerdict NfAccept for
// every packet), with the same queue settings as the C judge (copy-packet
// mode, fail-open, queue length). It is the reference point for "what plain
// go-nfqueue costs", not a tuned judge.
//
// Usage:
//
//	gojudge [-queue N] [-maxqlen N] [-rcvbuf BYTES]
//
// The queue number defaults to $SPITFILTER_BENCH_QUEUE when set, else 0.
// SIGINT/SIGTERM end it with a one-line summary on stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("gojudge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	defQueue := uint64(0)
	if s := os.Getenv("SPITFILTER_BENCH_QUEUE"); s != "" {
		q, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			fmt.Fprintf(stderr, "gojudge: SPITFILTER_BENCH_QUEUE=%q: want a number 0-65535\n", s)
			return 2
		}
		defQueue = q
	}
	queue := fs.Uint64("queue", defQueue, "NFQUEUE number (0-65535)")
	maxQLen := fs.Uint("maxqlen", 4096, "kernel queue length in packets")
	rcvbuf := fs.Int("rcvbuf", 0, "netlink receive buffer in bytes (0: leave the default, as the README does)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *queue > 65535 {
		fmt.Fprintf(stderr, "gojudge: -queue %d: want a number 0-65535\n", *queue)
		return 2
	}

	nf, err := nfqueue.Open(&nfqueue.Config{
		NfQueue:      uint16(*queue),
		MaxPacketLen: 0xFFFF,
		MaxQueueLen:  uint32(*maxQLen),
		Copymode:     nfqueue.NfQnlCopyPacket,
		Flags:        nfqueue.NfQaCfgFlagFailOpen,
		WriteTimeout: 15 * time.Millisecond,
	})
	if err != nil {
		fmt.Fprintf(stderr, "gojudge: open queue %d: %v\n", *queue, err)
		return 2
	}
	defer nf.Close()
	if *rcvbuf > 0 {
		if err := nf.Con.SetReadBuffer(*rcvbuf); err != nil {
			fmt.Fprintf(stderr, "gojudge: -rcvbuf %d: %v\n", *rcvbuf, err)
			return 2
		}
	}

	var packets, errs atomic.Uint64
	hook := func(a nfqueue.Attribute) int {
		if a.PacketID == nil {
			return 0
		}
		packets.Add(1)
		if err := nf.SetVerdict(*a.PacketID, nfqueue.NfAccept); err != nil {
			errs.Add(1)
		}
		return 0
	}
	// Keep reading after an error (ENOBUFS when the socket buffer overflowed):
	// a judge that stops would turn a burst into a bypass for the rest of the run.
	onErr := func(err error) int {
		if ctx.Err() != nil {
			return 1
		}
		errs.Add(1)
		return 0
	}
	if err := nf.RegisterWithErrorFunc(ctx, hook, onErr); err != nil {
		fmt.Fprintf(stderr, "gojudge: register on queue %d: %v\n", *queue, err)
		return 2
	}
	<-ctx.Done()
	fmt.Fprintf(stderr, "gojudge: queue %d: %d packets accepted, %d errors\n", *queue, packets.Load(), errs.Load())
	return 0
}
