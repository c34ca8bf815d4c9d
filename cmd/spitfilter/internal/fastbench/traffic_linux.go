//go:build linux

package fastbench

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Packet layout (UDP payload, 172 bytes): a 12-byte RTP header (version 2,
// PT 0 PCMU, sequence, timestamp, SSRC) and 160 bytes of µ-law silence in
// which the rig writes, from byte 12:
//
//	magic "SFB1" | run id uint32 | packet number uint64 | send time uint64 ns, CLOCK_MONOTONIC | kind byte
const (
	PacketSize = 172
	rtpHeader  = 12
	offMagic   = rtpHeader
	offRun     = rtpHeader + 4
	offSeq     = rtpHeader + 8
	offSent    = rtpHeader + 16
	offKind    = rtpHeader + 24
	minPacket  = rtpHeader + 25
	batch      = 64 // packets per sendmmsg/recvmmsg
)

const magic = "SFB1"

// Packet kinds: sent from the queued source port, or from the baseline's.
const (
	kindJudged   = 0
	kindBaseline = 1
)

// clock reads CLOCK_MONOTONIC through Go's vDSO-backed monotonic time: base
// is one clock_gettime reading and t0 the time.Time taken beside it.
type clock struct {
	base int64
	t0   time.Time
}

func newClock() clock {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return clock{base: ts.Nano(), t0: time.Now()}
}

func (c clock) now() int64 { return c.base + int64(time.Since(c.t0)) }

// mmsghdr is struct mmsghdr.
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// ring is batch packet buffers wired into mmsghdrs.
type ring struct {
	bufs [batch][PacketSize]byte
	iov  [batch]unix.Iovec
	hdrs [batch]mmsghdr
}

func newRing(size int) *ring {
	r := &ring{}
	for i := range batch {
		r.iov[i].Base = &r.bufs[i][0]
		r.iov[i].SetLen(size)
		r.hdrs[i].hdr.Iov = &r.iov[i]
		r.hdrs[i].hdr.SetIovlen(1)
	}
	return r
}

// ssrc is the RTP SSRC of run's packets of kind.
func ssrc(kind int, run uint32) uint32 { return 0x5fb00000 | uint32(kind)<<16 | run&0xFFFF }

// sendBye sends, on the queued kind's socket, an RTCP BYE (RFC 3550 6.6,
// one source, multiplexed on the RTP port) for run's queued stream. The
// receiver ignores it: it is too short to be a packet of a run.
func sendBye(fd int, run uint32) error {
	var b [8]byte
	b[0], b[1], b[3] = 0x81, 203, 1 // V=2, one source; BYE; length 1 word after the header
	binary.BigEndian.PutUint32(b[4:], ssrc(kindJudged, run))
	if _, err := unix.Write(fd, b[:]); err != nil {
		return fmt.Errorf("sender: RTCP BYE of run %d: %w", run, err)
	}
	return nil
}

// awaitBye reads the receiver's socket fd until run's BYE (sendBye) comes
// through, for at most timeout, and reports whether it did. Once it has,
// the judge has verdicted it, so it is not counted in the next run. What
// else is read meanwhile are stragglers of runs already counted.
func awaitBye(fd int, run uint32, timeout time.Duration) bool {
	var b [PacketSize]byte
	want := ssrc(kindJudged, run)
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); {
		n, _, err := unix.Recvfrom(fd, b[:], 0)
		if err != nil {
			if err == unix.EAGAIN || err == unix.EINTR {
				continue // the socket's receive timeout
			}
			return false
		}
		if n == 8 && b[1] == 203 && binary.BigEndian.Uint32(b[4:]) == want {
			return true
		}
	}
	return false
}

// sendResult is what the sender did.
type sendResult struct {
	sent       int
	start, end int64 // CLOCK_MONOTONIC ns of the first and after the last send
	maxLate    int64 // ns: the most a packet went out after its due time
}

// achieved is the send rate in packets per second.
func (s sendResult) achieved() float64 {
	if s.sent < 2 || s.end <= s.start {
		return 0
	}
	return float64(s.sent) / (float64(s.end-s.start) / 1e9)
}

// send sends n packets of run id at rate packets per second on a locked OS
// thread: packet i to each fd of fds, fds[k] carrying kind k (nil entries are
// skipped). Packet i is due at start + i/rate; whatever is due is sent at
// once, up to batch per sendmmsg, each stamped with the time just before
// the call. Before a due time the sender sleeps (clock_nanosleep, absolute,
// timer slack 1 ns) until spin before it, then busy-waits.
// It stops early, with what it sent so far, when abort is set.
func send(fds [2]int, use [2]bool, clk clock, run uint32, n, rate int, spin time.Duration, sch scheduling, abort *atomic.Bool) (sendResult, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer sch.apply()()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, 50_000, 0, 0, 0)

	var rings [2]*ring
	for kind := range rings {
		r := newRing(PacketSize)
		for i := range batch {
			b := r.bufs[i][:]
			for j := range b {
				b[j] = 0xFF
			}
			b[0], b[1] = 0x80, 0 // V=2, PT=0
			binary.BigEndian.PutUint32(b[8:], ssrc(kind, run))
			copy(b[offMagic:], magic)
			binary.BigEndian.PutUint32(b[offRun:], run)
			b[offKind] = byte(kind)
		}
		rings[kind] = r
	}
	res := sendResult{start: clk.now()}
	interval := 1e9 / float64(rate)
	for i := 0; i < n && !abort.Load(); {
		due := res.start + int64(float64(i)*interval)
		t := clk.now()
		if wait := due - t; wait > 0 {
			if wait > int64(spin) {
				ts := unix.NsecToTimespec(due - int64(spin))
				_ = unix.ClockNanosleep(unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME, &ts, nil)
			}
			continue
		}
		res.maxLate = max(res.maxLate, t-due)
		k := int(float64(t-res.start)/interval) + 1 - i
		k = max(1, min(k, batch, n-i))
		for kind, r := range rings {
			if !use[kind] {
				continue
			}
			t = clk.now()
			for j := range k {
				b := r.bufs[j][:]
				seq := uint64(i + j)
				binary.BigEndian.PutUint16(b[2:], uint16(seq))
				binary.BigEndian.PutUint32(b[4:], uint32(seq*160))
				binary.BigEndian.PutUint64(b[offSeq:], seq)
				binary.BigEndian.PutUint64(b[offSent:], uint64(t))
			}
			for off := 0; off < k; {
				m, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fds[kind]), uintptr(unsafe.Pointer(&r.hdrs[off])), uintptr(k-off), 0, 0, 0)
				if errno != 0 {
					if errno == unix.EINTR || errno == unix.EAGAIN || errno == unix.ENOBUFS {
						continue
					}
					return res, fmt.Errorf("sender: sendmmsg packet %d of %d: %w", i+off, n, errno)
				}
				off += int(m)
			}
		}
		i += k
		res.sent = i
	}
	res.end = clk.now()
	return res, nil
}

// receiver records, per kind and packet number of one run, whether it
// arrived and its one-way latency. Stray packets (another run, not ours)
// are ignored.
type receiver struct {
	fd   int
	run  uint32
	seen [2][]bool
	lat  [2][]int64 // ns; valid where seen
	dup  [2]int
	bad  [2]int // arrived with receive time <= send time: a clock fault
	got  [2]atomic.Int64
	last atomic.Int64 // CLOCK_MONOTONIC ns of the last packet of this run
	stop atomic.Bool
}

func newReceiver(fd int, run uint32, n int, use [2]bool) *receiver {
	rc := &receiver{fd: fd, run: run}
	for k := range use {
		if use[k] {
			rc.seen[k], rc.lat[k] = make([]bool, n), make([]int64, n)
		}
	}
	return rc
}

// loop reads until stop is set (it notices within the socket's 50 ms
// receive timeout). It runs on a locked OS thread.
func (rc *receiver) loop(clk clock, sch scheduling) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer sch.apply()()
	r := newRing(PacketSize)
	for !rc.stop.Load() {
		m, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(rc.fd), uintptr(unsafe.Pointer(&r.hdrs[0])), batch, unix.MSG_WAITFORONE, 0, 0)
		t := clk.now()
		if errno != 0 {
			if errno == unix.EAGAIN || errno == unix.EINTR {
				continue
			}
			return fmt.Errorf("receiver: recvmmsg: %w", errno)
		}
		for j := range int(m) {
			b := r.bufs[j][:min(int(r.hdrs[j].n), PacketSize)]
			if len(b) < minPacket || string(b[offMagic:offMagic+4]) != magic || binary.BigEndian.Uint32(b[offRun:]) != rc.run {
				continue
			}
			kind, seq := int(b[offKind]), binary.BigEndian.Uint64(b[offSeq:])
			if kind > 1 || seq >= uint64(len(rc.seen[kind])) {
				continue
			}
			if rc.seen[kind][seq] {
				rc.dup[kind]++
				continue
			}
			d := t - int64(binary.BigEndian.Uint64(b[offSent:]))
			if d <= 0 {
				rc.bad[kind]++
			}
			rc.seen[kind][seq], rc.lat[kind][seq] = true, d
			rc.got[kind].Add(1)
			rc.last.Store(t)
		}
	}
	return nil
}

// received is the number of packets of both kinds that arrived.
func (rc *receiver) received() int64 { return rc.got[0].Load() + rc.got[1].Load() }

// latencies returns the latencies of the packets of kind that arrived.
func (rc *receiver) latencies(kind int) []int64 {
	out := make([]int64, 0, rc.got[kind].Load())
	for i, ok := range rc.seen[kind] {
		if ok {
			out = append(out, rc.lat[kind][i])
		}
	}
	return out
}

// scheduling is how the rig's sender and receiver threads and the judges run.
type scheduling struct {
	nice int // CFS niceness, -20..19
	rt   int // SCHED_FIFO priority 1..99; 0: not real-time
}

// apply sets the calling thread's scheduling (Linux: per thread) and
// returns a func that puts the old one back. The thread must be locked.
func (s scheduling) apply() (restore func()) {
	old, err := unix.Getpriority(unix.PRIO_PROCESS, 0)
	if err != nil {
		old = 20
	}
	oldNice := 20 - old // the raw syscall returns 20 - nice
	_ = unix.Setpriority(unix.PRIO_PROCESS, 0, s.nice)
	if s.rt > 0 {
		_ = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_FIFO, Priority: uint32(s.rt)}, 0)
	}
	return func() {
		if s.rt > 0 {
			_ = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}, 0)
		}
		_ = unix.Setpriority(unix.PRIO_PROCESS, 0, oldNice)
	}
}

// pairedDiffs returns, for each packet number whose queued and baseline
// copies both arrived, the queued copy's latency minus the baseline's.
func (rc *receiver) pairedDiffs() []int64 {
	j, b := rc.seen[kindJudged], rc.seen[kindBaseline]
	out := make([]int64, 0, min(rc.got[0].Load(), rc.got[1].Load()))
	for i := range min(len(j), len(b)) {
		if j[i] && b[i] {
			out = append(out, rc.lat[kindJudged][i]-rc.lat[kindBaseline][i])
		}
	}
	return out
}
