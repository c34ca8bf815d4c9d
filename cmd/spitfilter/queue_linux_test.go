//go:build linux

package main

import (
	"encoding/binary"
	"io"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/spitfilter/spitfilter/enforce"
)

// The netlink numbers the fake kernel below speaks (the reader's own come
// from package nfqwire; these are written out again from the kernel's
// headers so that the test does not check nfqwire against itself).
const (
	tNfqMsgPacket       = 3<<8 | 0
	tNfqMsgVerdict      = 3<<8 | 1
	tNfqMsgVerdictBatch = 3<<8 | 3
	tNlmsgError         = 2
)

// packetMsg is the NFQNL_MSG_PACKET the kernel sends for packet id of queue
// (with header when hdr is set).
func packetMsg(queue uint16, id uint32, pkt []byte, hdr bool) []byte {
	size := 16 + 4 + (4+len(pkt)+3)&^3
	if hdr {
		size += 12
	}
	b := make([]byte, size)
	binary.NativeEndian.PutUint32(b[0:], uint32(size))
	binary.NativeEndian.PutUint16(b[4:], tNfqMsgPacket)
	b[16] = unix.AF_INET
	binary.BigEndian.PutUint16(b[18:], queue)
	a := b[20:]
	if hdr {
		binary.NativeEndian.PutUint16(a[0:], 4+7)
		binary.NativeEndian.PutUint16(a[2:], 1) // NFQA_PACKET_HDR
		binary.BigEndian.PutUint32(a[4:], id)
		binary.BigEndian.PutUint16(a[8:], 0x0800)
		a[10] = 1 // NF_INET_LOCAL_IN
		a = a[12:]
	}
	binary.NativeEndian.PutUint16(a[0:], uint16(4+len(pkt)))
	binary.NativeEndian.PutUint16(a[2:], 10) // NFQA_PAYLOAD
	copy(a[4:], pkt)
	return b
}

// errorMsg is the NLMSG_ERROR the kernel sends when it refuses a request
// with sequence number seq.
func errorMsg(errno int32, seq uint32) []byte {
	b := make([]byte, 16+4+16)
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], tNlmsgError)
	binary.NativeEndian.PutUint32(b[16:], uint32(-errno))
	binary.NativeEndian.PutUint32(b[16+8:], seq)
	return b
}

// verdictMsg is one verdict message the reader sent.
type verdictMsg struct {
	batch   bool
	verdict uint32
	id      uint32
	payload []byte
	mark    uint32
	hasMark bool
}

func parseVerdicts(t *testing.T, b []byte) []verdictMsg {
	t.Helper()
	var out []verdictMsg
	for len(b) > 0 {
		if len(b) < 20 {
			t.Fatalf("verdict message cut short: %d bytes", len(b))
		}
		size := int(binary.NativeEndian.Uint32(b))
		typ := binary.NativeEndian.Uint16(b[4:])
		if size < 20 || size > len(b) {
			t.Fatalf("verdict message of %d bytes in %d", size, len(b))
		}
		if typ != tNfqMsgVerdict && typ != tNfqMsgVerdictBatch {
			t.Fatalf("message type %#x, want a verdict", typ)
		}
		v := verdictMsg{batch: typ == tNfqMsgVerdictBatch}
		for a := b[20:size]; len(a) >= 4; {
			alen := int(binary.NativeEndian.Uint16(a))
			val := a[4:alen]
			switch binary.NativeEndian.Uint16(a[2:]) {
			case 2: // NFQA_VERDICT_HDR
				v.verdict, v.id = binary.BigEndian.Uint32(val), binary.BigEndian.Uint32(val[4:])
			case 3: // NFQA_MARK
				v.mark, v.hasMark = binary.BigEndian.Uint32(val), true
			case 10: // NFQA_PAYLOAD
				v.payload = append([]byte(nil), val...)
			}
			a = a[min((alen+3)&^3, len(a)):]
		}
		out = append(out, v)
		b = b[(size+3)&^3:]
	}
	return out
}

// fakeKernel is the kernel's end of a socket pair whose other end a
// reader takes for its NFQUEUE socket.
type fakeKernel struct {
	fd int
	t  *testing.T
}

// newReader starts a reader of queue 3 on one end of a datagram socket
// pair, over a test lane, and returns it with the other end.
func newReader(t *testing.T) (*nfq, *lane, *fakeKernel) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	tv := unix.NsecToTimeval(pollTimeout.Nanoseconds())
	for _, fd := range fds {
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			t.Fatal(err)
		}
	}
	l, _, _ := testLane(t, 64)
	r := &nfq{fd: fds[0], queue: 3, l: l, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	l.out = r
	r.start(time.Now, func(err error) { t.Errorf("reader stopped: %v", err) })
	t.Cleanup(func() {
		r.Close()
		unix.Close(fds[1])
	})
	return r, l, &fakeKernel{fd: fds[1], t: t}
}

func (k *fakeKernel) send(msgs ...[]byte) {
	k.t.Helper()
	var b []byte
	for _, m := range msgs {
		b = append(b, m...)
	}
	if err := unix.Sendto(k.fd, b, 0, nil); err != nil {
		k.t.Fatal(err)
	}
}

// answers reads verdicts until every id of want is answered, and checks
// that each is answered exactly once. It returns the verdict each id got
// (a batch verdict answers every id up to its own not answered before).
func (k *fakeKernel) answers(want []uint32) map[uint32]verdictMsg {
	k.t.Helper()
	open := map[uint32]bool{}
	for _, id := range want {
		open[id] = true
	}
	got := map[uint32]verdictMsg{}
	buf := make([]byte, 1<<16)
	deadline := time.Now().Add(5 * time.Second)
	for len(open) > 0 {
		if time.Now().After(deadline) {
			k.t.Fatalf("no verdict for %d packets: %v", len(open), open)
		}
		n, err := unix.Read(k.fd, buf)
		if err == unix.EAGAIN || err == unix.EINTR {
			continue
		}
		if err != nil {
			k.t.Fatal(err)
		}
		for _, v := range parseVerdicts(k.t, buf[:n]) {
			if !v.batch {
				if !open[v.id] {
					k.t.Fatalf("verdict for id %d, which is not waiting for one", v.id)
				}
				delete(open, v.id)
				got[v.id] = v
				continue
			}
			covered := 0
			for id := range open {
				if id <= v.id {
					delete(open, id)
					got[id] = v
					covered++
				}
			}
			if covered == 0 {
				k.t.Fatalf("batch verdict up to id %d answers nothing", v.id)
			}
		}
	}
	return got
}

// TestReaderFakeKernel drives the queue reader through a socket pair: the
// test plays the kernel's part of NFQUEUE. Every packet gets exactly one
// verdict, bare accepts go out as batch verdicts, a muted stream's packets
// come back rewritten, and what cannot be read (garbage, a packet message
// without its header, a refused verdict) is counted without stopping the
// reader.
func TestReaderFakeKernel(t *testing.T) {
	_, l, k := newReader(t)
	const ssrc = 0x5eed
	base := uint16(1000)
	pkt := func(seq uint16) []byte {
		return ipv4UDP(caller, callee, rtp(0, base+seq, uint32(base+seq)*160, ssrc, voice(160)))
	}

	// a clean stream, one packet a datagram, then eight in one datagram
	var ids []uint32
	for id := uint32(1); id <= 10; id++ {
		k.send(packetMsg(3, id, pkt(uint16(id)), true))
		ids = append(ids, id)
	}
	var msgs [][]byte
	for id := uint32(11); id <= 18; id++ {
		msgs = append(msgs, packetMsg(3, id, pkt(uint16(id)), true))
		ids = append(ids, id)
	}
	k.send(msgs...)
	for id, v := range k.answers(ids) {
		if v.verdict != 1 || v.payload != nil || v.hasMark {
			t.Errorf("clean packet %d: verdict %d, payload %d bytes, mark %v; want a bare accept", id, v.verdict, len(v.payload), v.hasMark)
		}
	}

	// the stream is muted: its packets come back as silence; odd ones pass
	if err := streamState(t, l, caller, callee, ssrc).Set(enforce.Decision{Action: enforce.ActionMute, Rule: "car warranty"}); err != nil {
		t.Fatal(err)
	}
	malformed, verdictErrors := l.malformed.Load(), l.verdictErrors.Load()
	tcp := pkt(40)
	tcp[9] = 6
	k.send([]byte("not a netlink message")) // cut short: counted, nothing to answer
	k.send(errorMsg(int32(unix.ENOENT), 17))
	k.send(packetMsg(3, 99, pkt(41), false)) // no packet header: no id to answer
	broken := packetMsg(3, 22, pkt(42), true)
	binary.NativeEndian.PutUint16(broken[32:], 0xfff0) // the payload attribute claims more than there is
	k.send(packetMsg(3, 19, pkt(19), true), packetMsg(3, 20, tcp, true), packetMsg(3, 21, pkt(21), true), broken)
	got := k.answers([]uint32{19, 20, 21, 22})
	for _, id := range []uint32{19, 21} {
		v := got[id]
		if v.batch || v.verdict != 1 || len(v.payload) != 28+12+160 {
			t.Fatalf("muted packet %d: %+v, want an accept with the rewritten packet", id, v)
		}
		for i, b := range v.payload[40:] {
			if b != 0xff {
				t.Fatalf("muted packet %d: payload byte %d is %#x, want PCMU silence", id, i, b)
			}
		}
	}
	for _, id := range []uint32{20, 22} {
		if v := got[id]; v.verdict != 1 || v.payload != nil {
			t.Errorf("packet %d (tcp, broken message): %+v, want a bare accept", id, v)
		}
	}
	if n := l.malformed.Load() - malformed; n != 3 {
		t.Errorf("%d malformed messages counted, want 3", n)
	}
	if n := l.verdictErrors.Load() - verdictErrors; n != 1 {
		t.Errorf("%d refused verdicts counted, want 1", n)
	}
}

// TestReaderNoAllocs: the reader's loop (receive, parse, judge, answer)
// allocates nothing per packet once its stream exists, measured across the
// whole process while 4000 packets go through.
func TestReaderNoAllocs(t *testing.T) {
	_, _, k := newReader(t)
	const n = 4000
	const warm = 100 // the stream is made and every slot of its ring (64) has its buffer
	msgs := make([][]byte, n+warm)
	for i := range msgs {
		seq := uint16(i)
		msgs[i] = packetMsg(3, uint32(i+1), ipv4UDP(caller, callee, rtp(0, seq, uint32(seq)*160, 0xa110c, voice(160))), true)
	}
	// the kernel's side reads verdicts without allocating
	var answered atomic.Uint32
	stop := make(chan struct{})
	go func() {
		buf := make([]byte, 1<<16)
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, _, errno := unix.Syscall(unix.SYS_READ, uintptr(k.fd), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
			if errno != 0 {
				continue
			}
			for b := buf[:m]; len(b) >= 32; { // a verdict: headers (20), verdict attribute (12)
				size := int(binary.NativeEndian.Uint32(b))
				if id := binary.BigEndian.Uint32(b[28:]); id > answered.Load() {
					answered.Store(id)
				}
				b = b[min((size+3)&^3, len(b)):]
			}
		}
	}()
	defer close(stop)
	send := func(from, to int) {
		for i := from; i < to; i++ {
			if _, _, errno := unix.Syscall6(unix.SYS_SENDTO, uintptr(k.fd), uintptr(unsafe.Pointer(&msgs[i][0])), uintptr(len(msgs[i])), 0, 0, 0); errno != 0 {
				t.Fatal(errno)
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for answered.Load() < uint32(to) {
			if time.Now().After(deadline) {
				t.Fatalf("answered up to id %d of %d", answered.Load(), to)
			}
			runtime.Gosched()
		}
	}
	send(0, warm)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	send(warm, n+warm)
	runtime.ReadMemStats(&after)
	if per := float64(after.Mallocs-before.Mallocs) / n; per > 0.01 {
		t.Errorf("%.3f allocations per packet (%d over %d packets), want none", per, after.Mallocs-before.Mallocs, n)
	}
}

// TestReaderLetsTheWorldStop: the reader waits in the kernel in a raw
// system call, which the runtime cannot preempt; garbage collections
// (which stop the world) must still finish while it waits with no packet
// coming, and while packets come.
func TestReaderLetsTheWorldStop(t *testing.T) {
	_, _, k := newReader(t)
	done := make(chan time.Duration)
	go func() {
		start := time.Now()
		for range 20 {
			runtime.GC()
		}
		done <- time.Since(start)
	}()
	select {
	case d := <-done:
		t.Logf("20 collections with the reader idle: %v", d)
	case <-time.After(10 * time.Second):
		t.Fatal("20 garbage collections did not finish in 10 s with the reader waiting: the world cannot stop")
	}
	for i := range 200 {
		k.send(packetMsg(3, uint32(i+1), ipv4UDP(caller, callee, rtp(0, uint16(i), uint32(i)*160, 0x6c, voice(160))), true))
		if i%20 == 0 {
			runtime.GC()
		}
	}
	ids := make([]uint32, 200)
	for i := range ids {
		ids[i] = uint32(i + 1)
	}
	k.answers(ids)
}
