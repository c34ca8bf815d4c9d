//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/enforce"
)

// nfq is one open NFQUEUE: its netlink socket, and the verdicts its lane
// gives.
type nfq struct {
	nf      *nfqueue.Nfqueue
	queue   uint16
	granted int
	enobufs atomic.Uint64
	once    sync.Once
}

// openQueue opens queue q in copy-packet mode with the config's queue
// length and fail-open flag, asks for a large receive buffer (and reads
// back what the kernel granted), turns off ENOBUFS reporting so that an
// overrun loses packets to the kernel's fail-open instead of killing the
// reader, and starts the reader. fatal is told when the reader stops on an
// error of its own.
func openQueue(ctx context.Context, q uint16, d *daemon, fatal func(error)) (queueReader, *lane, error) {
	var flags uint32
	if d.start.FailOpen {
		flags = nfqueue.NfQaCfgFlagFailOpen
	}
	nf, err := nfqueue.Open(&nfqueue.Config{
		NetNS:        d.o.NetNS,
		NfQueue:      q,
		MaxPacketLen: 0xFFFF,
		MaxQueueLen:  d.start.QueueLength,
		Copymode:     nfqueue.NfQnlCopyPacket,
		Flags:        flags,
		WriteTimeout: 15 * time.Millisecond,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("open netlink socket: %w (spitfilter needs CAP_NET_ADMIN)", err)
	}
	r := &nfq{nf: nf, queue: q}
	if err := nf.SetOption(netlink.NoENOBUFS, true); err != nil {
		nf.Close()
		return nil, nil, fmt.Errorf("NETLINK_NO_ENOBUFS: %w", err)
	}
	if r.granted, err = setReadBuffer(nf.Con, d.o.ReadBuffer); err != nil {
		nf.Close()
		return nil, nil, err
	}
	l := newLane(q, d.tableConfig(), d.enf, d.an, r)
	clock := d.o.Clock
	hook := func(a nfqueue.Attribute) int {
		if a.PacketID == nil {
			return 0
		}
		var pkt []byte
		if a.Payload != nil {
			pkt = *a.Payload
		}
		var now time.Time
		if a.Timestamp != nil {
			now = *a.Timestamp
		} else {
			now = clock()
		}
		l.handle(*a.PacketID, pkt, now)
		return 0
	}
	onErr := func(err error) int {
		if ctx.Err() != nil {
			return 1
		}
		if errors.Is(err, unix.ENOBUFS) {
			if n := r.enobufs.Add(1); n&(n-1) == 0 { // logged the 1st, 2nd, 4th, 8th, ... time
				d.log.Warn("queue overrun: the kernel dropped or bypassed packets", "queue", q, "times", n)
			}
			return 0
		}
		var op *netlink.OpError
		if errors.As(err, &op) && (op.Timeout() || op.Temporary()) {
			return 0
		}
		d.log.Error("queue reader stopped", "queue", q, "err", err)
		fatal(fmt.Errorf("queue %d: receive: %w", q, err))
		return 1
	}
	if err := nf.RegisterWithErrorFunc(ctx, hook, onErr); err != nil {
		nf.Close()
		return nil, nil, fmt.Errorf("bind: %w (is another process bound to queue %d?)", err, q)
	}
	return r, l, nil
}

// setReadBuffer asks for n bytes of receive buffer, beyond net.core.rmem_max
// (SO_RCVBUFFORCE, which CAP_NET_ADMIN allows), and returns what the kernel
// granted.
func setReadBuffer(c *netlink.Conn, n int) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, fmt.Errorf("receive buffer: %w", err)
	}
	var granted int
	var serr error
	err = rc.Control(func(fd uintptr) {
		if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, n); serr != nil {
			// without CAP_NET_ADMIN in the socket's namespace: up to rmem_max
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, n)
		}
		granted, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return 0, fmt.Errorf("receive buffer of %d bytes: %w", n, err)
	}
	return granted, nil
}

// Verdict gives packet id the verdict of r: NF_ACCEPT, NF_ACCEPT with the
// rewritten packet, NF_DROP, or NF_ACCEPT with the mark.
func (r *nfq) Verdict(id uint32, res enforce.Result, pkt []byte) error {
	switch {
	case res.Modified:
		return r.nf.SetVerdictWithOption(id, nfqueue.NfAccept, nfqueue.WithAlteredPacket(pkt))
	case res.Verdict == enforce.Drop:
		return r.nf.SetVerdict(id, nfqueue.NfDrop)
	case res.Verdict == enforce.Mark:
		return r.nf.SetVerdictWithOption(id, nfqueue.NfAccept, nfqueue.WithMark(res.Mark))
	}
	return r.nf.SetVerdict(id, nfqueue.NfAccept)
}

// Granted is the receive buffer the kernel granted, in bytes.
func (r *nfq) Granted() int { return r.granted }

// Close closes the socket and waits for the reader. The kernel then
// forgets the queue's binding: with fail-open and --queue-bypass, packets
// pass unjudged. It is idempotent.
func (r *nfq) Close() error {
	var err error
	r.once.Do(func() { err = r.nf.Close() })
	return err
}
