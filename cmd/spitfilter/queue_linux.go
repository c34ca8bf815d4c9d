//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/nfqwire"
	"github.com/spitfilter/spitfilter/enforce"
)

const (
	// readBatch is how many netlink messages one recvmmsg takes at most.
	readBatch = 32
	// slotSize holds the largest message: a whole 64 KiB packet
	// (copy range 0xffff) and NFQUEUE's attributes around it.
	slotSize = 0xffff + 1024
	// pollTimeout is the socket's receive timeout: it bounds how long the
	// reader takes to notice it is told to stop, and how long audio that
	// came just before a pause waits for analysis.
	pollTimeout = 50 * time.Millisecond
)

// nfq is one open NFQUEUE. go-nfqueue opens its netlink socket (in the
// configured network namespace) and sets its options; the queue is bound
// and read, and its verdicts written, by our own code over the same socket
// (package nfqwire), on one OS thread of its own that blocks in the kernel:
// go-nfqueue allocates buffers for every packet and every verdict and
// waits in Go's network poller, which under load delayed a packet by the
// time it took the runtime to find a processor for the woken reader, and
// woke the poller's thread for every packet.
//
// The reader takes up to readBatch packets per system call (recvmmsg),
// judges them, and answers them with one send: verdicts that carry
// something (a rewritten packet, a drop, a mark) one by one, the plain
// accepts as one batch verdict.
type nfq struct {
	fd      int
	queue   uint16
	granted int
	l       *lane
	batch   nfqwire.Batch
	log     *slog.Logger

	enobufs atomic.Uint64
	stop    atomic.Bool
	done    chan struct{}
	once    sync.Once
}

// openQueue opens queue q in copy-packet mode with the config's queue
// length and fail-open flag, asks for a large receive buffer (and reads
// back what the kernel granted), turns off ENOBUFS reporting so that an
// overrun loses packets to the kernel's fail-open instead of killing the
// reader, and starts the reader. fatal is told when the reader stops on an
// error of its own.
func openQueue(ctx context.Context, q uint16, d *daemon, fatal func(error)) (queueReader, *lane, error) {
	nf, err := nfqueue.Open(&nfqueue.Config{NetNS: d.o.NetNS, NfQueue: q})
	if err != nil {
		return nil, nil, fmt.Errorf("open netlink socket: %w (spitfilter needs CAP_NET_ADMIN)", err)
	}
	r := &nfq{queue: q, log: d.log}
	fail := func(err error) (queueReader, *lane, error) {
		nf.Close()
		return nil, nil, err
	}
	if err := nf.SetOption(netlink.NoENOBUFS, true); err != nil {
		return fail(fmt.Errorf("NETLINK_NO_ENOBUFS: %w", err))
	}
	if r.granted, err = setReadBuffer(nf.Con, d.o.ReadBuffer); err != nil {
		return fail(err)
	}
	var flags uint32
	if d.start.FailOpen {
		flags = nfqwire.FlagFailOpen
	}
	for i, body := range nfqwire.ConfigMessages(nfqwire.Config{Queue: q, CopyRange: 0xffff, QueueLen: d.start.QueueLength, Flags: flags}) {
		if _, err := nf.Con.Execute(netlink.Message{
			Header: netlink.Header{Type: nfqwire.ConfigType, Flags: netlink.Request | netlink.Acknowledge},
			Data:   body,
		}); err != nil {
			if i == 0 {
				return fail(fmt.Errorf("bind: %w (is another process bound to queue %d?)", err, q))
			}
			return fail(fmt.Errorf("configure queue %d: %w", q, err))
		}
	}
	// From here on the socket is ours alone. Go's network poller watches
	// go-nfqueue's descriptor: every packet the kernel queued woke the
	// thread waiting in epoll, for nothing (no goroutine reads it through
	// the poller), a context switch per packet on another thread. So the
	// reader takes a duplicate and go-nfqueue's handle is closed, which
	// takes the socket out of the poller while the duplicate keeps it
	// open and bound. The duplicate blocks, with a receive timeout so that
	// the reader sees Close.
	rc, err := nf.Con.SyscallConn()
	if err != nil {
		return fail(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		r.fd, serr = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil || serr != nil {
		return fail(fmt.Errorf("queue socket: %w", errors.Join(err, serr)))
	}
	tv := unix.NsecToTimeval(pollTimeout.Nanoseconds())
	if err := errors.Join(nf.Close(), unix.SetNonblock(r.fd, false),
		unix.SetsockoptTimeval(r.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)); err != nil {
		unix.Close(r.fd)
		return nil, nil, fmt.Errorf("queue socket: %w", err)
	}
	r.l = newLane(q, d.tableConfig(), d.enf, d.an, r)
	r.start(d.o.Clock, func(err error) {
		if ctx.Err() == nil {
			d.log.Error("queue reader stopped", "queue", q, "err", err)
			fatal(fmt.Errorf("queue %d: %w", q, err))
		}
	})
	return r, r.l, nil
}

// start runs the reader on r.fd, a blocking socket with a receive timeout,
// until Close; failed is told if it stops on an error of its own.
func (r *nfq) start(clock func() time.Time, failed func(error)) {
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		if err := r.read(clock); err != nil {
			failed(err)
		}
	}()
}

// mmsghdr is struct mmsghdr.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// read is the reader: it runs on its own OS thread until Close. Each
// packet gets exactly one verdict; what cannot be read as a packet
// message is counted.
func (r *nfq) read(clock func() time.Time) error {
	// Locked for good: the thread ends with the reader, and never serves
	// another goroutine with the reader's time slice.
	runtime.LockOSThread()
	if err := quickWakeup(); err != nil {
		r.log.Warn("queue reader keeps the default time slice", "queue", r.queue, "err", err)
	}
	slab := make([]byte, readBatch*slotSize)
	var iov [readBatch]unix.Iovec
	var hdrs [readBatch]mmsghdr
	for i := range readBatch {
		iov[i].Base = &slab[i*slotSize]
		iov[i].SetLen(slotSize)
		hdrs[i].hdr.Iov = &iov[i]
		hdrs[i].hdr.SetIovlen(1)
	}
	var m nfqwire.Message
	for !r.stop.Load() {
		// A raw system call: the reader keeps its processor (P) while it
		// waits in the kernel. Through the runtime's Syscall the P was
		// handed off and taken back around every wait, waking the
		// runtime's other threads; with real-time threads around (chrt,
		// or the benchmark's -rt) that cost three quarters of the lossless
		// rate. It is safe here because the reader is alone on its thread,
		// Run keeps GOMAXPROCS above the readers and workers, and the wait
		// ends within pollTimeout, or at once with EINTR when the runtime
		// signals the thread to stop the world (a socket with a receive
		// timeout is not restarted after a signal), after which the reader
		// yields.
		n, _, errno := unix.RawSyscall6(unix.SYS_RECVMMSG, uintptr(r.fd), uintptr(unsafe.Pointer(&hdrs[0])), readBatch, unix.MSG_WAITFORONE, 0, 0)
		switch errno {
		case 0:
		case unix.EAGAIN: // the receive timeout: no packet for a while
			r.l.idle(clock())
			runtime.Gosched()
			continue
		case unix.EINTR:
			// Most likely the runtime's signal to stop the world (for the
			// garbage collector). The raw call has no preemption point,
			// and the signal keeps arriving while the thread is in the
			// kernel: yield here, or the world never stops.
			runtime.Gosched()
			continue
		case unix.ENOBUFS:
			r.overrun()
			continue
		default:
			return fmt.Errorf("receive: %w", errno)
		}
		r.batch.Reset(r.queue)
		var now time.Time  // read once a receive, for packets without a kernel timestamp
		var last time.Time // the latest packet's time
		for i := range int(n) {
			b := slab[i*slotSize : i*slotSize+int(hdrs[i].n)]
			if hdrs[i].hdr.Flags&unix.MSG_TRUNC != 0 {
				r.l.malformed.Add(1) // cannot happen with copy range 0xffff; its verdict is lost
				continue
			}
			for len(b) > 0 {
				k, err := m.Unmarshal(b)
				b = b[k:]
				switch {
				case err != nil && m.Kind == nfqwire.KindPacket:
					r.l.unreadable(m.Packet.ID)
				case err != nil:
					r.l.malformed.Add(1)
				case m.Kind == nfqwire.KindPacket:
					at, ok := m.Packet.Time()
					if !ok {
						if now.IsZero() {
							now = clock()
						}
						at = now
					}
					r.l.verdict(m.Packet.ID, m.Packet.Payload, at)
					last = at
				case m.Kind == nfqwire.KindError && m.Errno != 0:
					r.l.verdictErrors.Add(1)
				}
			}
		}
		if err := r.send(r.batch.Bytes()); err != nil {
			r.l.verdictErrors.Add(uint64(r.batch.Len()))
		}
		if !last.IsZero() {
			r.l.handoff(last)
		}
	}
	return nil
}

// send hands the kernel a buffer of verdicts.
func (r *nfq) send(b []byte) error {
	for len(b) > 0 {
		// raw as well: the kernel takes verdicts at once, it never blocks here
		_, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(r.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
		switch errno {
		case 0:
			return nil
		case unix.EINTR:
			continue
		}
		return errno
	}
	return nil
}

// overrun counts an ENOBUFS (only seen if NETLINK_NO_ENOBUFS was refused).
func (r *nfq) overrun() {
	if n := r.enobufs.Add(1); n&(n-1) == 0 { // logged the 1st, 2nd, 4th, 8th, ... time
		r.log.Warn("queue overrun: the kernel dropped or bypassed packets", "queue", r.queue, "times", n)
	}
}

// Verdict adds packet id's verdict to the batch the reader sends once it
// has judged everything one receive brought. Errors come later: a verdict
// the kernel refuses comes back as a netlink error, and is counted.
func (r *nfq) Verdict(id uint32, res enforce.Result, pkt []byte) error {
	v := nfqwire.Verdict{Verdict: nfqwire.Accept}
	switch {
	case res.Modified:
		v.Payload = pkt
	case res.Verdict == enforce.Drop:
		v.Verdict = nfqwire.Drop
	case res.Verdict == enforce.Mark:
		v.SetMark, v.Mark = true, res.Mark
	}
	r.batch.Add(id, v)
	return nil
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

// Granted is the receive buffer the kernel granted, in bytes.
func (r *nfq) Granted() int { return r.granted }

// Close stops the reader (within the socket's receive timeout), waits for
// it, and closes the socket. The kernel then forgets the queue's binding:
// with fail-open and --queue-bypass, packets pass unjudged. The reader
// answers every packet it has read before it stops; the few still waiting
// in the queue when the socket closes are dropped by the kernel. It is
// idempotent.
func (r *nfq) Close() error {
	var err error
	r.once.Do(func() {
		r.stop.Store(true)
		<-r.done
		err = unix.Close(r.fd)
	})
	return err
}
