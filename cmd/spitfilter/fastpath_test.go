package main

import (
	"encoding/binary"
	"io"
	"log/slog"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
)

// ipv4UDP builds an IPv4/UDP packet with a correct UDP checksum.
func ipv4UDP(src, dst netip.AddrPort, payload []byte) []byte {
	b := make([]byte, 28+len(payload))
	b[0], b[8], b[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	s, d := src.Addr().As4(), dst.Addr().As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	binary.BigEndian.PutUint16(b[10:], ^sum16(0, b[:20]))
	u := b[20:]
	binary.BigEndian.PutUint16(u[0:], src.Port())
	binary.BigEndian.PutUint16(u[2:], dst.Port())
	binary.BigEndian.PutUint16(u[4:], uint16(len(u)))
	copy(u[8:], payload)
	binary.BigEndian.PutUint16(u[6:], udpChecksum(b))
	return b
}

func sum16(acc uint32, b []byte) uint16 {
	for len(b) >= 2 {
		acc += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}

// udpChecksum computes the UDP checksum of an IPv4 packet as it should be
// (the checksum field taken as zero).
func udpChecksum(pkt []byte) uint16 {
	u := append([]byte(nil), pkt[20:]...)
	u[6], u[7] = 0, 0
	var ph [12]byte
	copy(ph[0:8], pkt[12:20])
	ph[9] = 17
	binary.BigEndian.PutUint16(ph[10:], uint16(len(u)))
	c := ^sum16(uint32(sum16(0, ph[:]))+uint32(sum16(0, u)), nil)
	if c == 0 {
		c = 0xffff
	}
	return c
}

// rtp builds an RTP header and payload.
func rtp(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) []byte {
	b := make([]byte, 12+len(payload))
	b[0], b[1] = 0x80, pt
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	copy(b[12:], payload)
	return b
}

// recorded is a verdict the fake sink saw.
type recorded struct {
	id  uint32
	res enforce.Result
}

// fakeSink records the last verdict without allocating.
type fakeSink struct {
	last  recorded
	count int
}

func (f *fakeSink) Verdict(id uint32, r enforce.Result, pkt []byte) error {
	f.last = recorded{id, r}
	f.count++
	return nil
}

var (
	caller = netip.MustParseAddrPort("192.0.2.1:4000")
	callee = netip.MustParseAddrPort("192.0.2.2:10000")
)

// testLane is a lane whose analyzer listens for nothing (no engine).
func testLane(t *testing.T, depth int) (*lane, *fakeSink, *analyzer) {
	t.Helper()
	var pol atomic.Pointer[policy]
	pol.Store(&policy{gen: 1, cfg: config.Default()})
	an := newAnalyzer(slog.New(slog.NewTextHandler(io.Discard, nil)), nil, &pol, nil, depth, 1, 1024, AnalysisBatch)
	sink := &fakeSink{}
	l := newLane(0, rtpflow.Config{Ports: rtpflow.Ports{{Lo: 10000, Hi: 20000}}}, enforce.New(enforce.Config{}), an, sink)
	t.Cleanup(func() {
		l.flush()
		an.shutdown(time.Second)
		if n := an.live.Load(); n != 0 {
			t.Errorf("%d streams not finished at shutdown", n)
		}
	})
	return l, sink, an
}

func voice(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(0x10 + i%0x60) // loud, nothing like silence
	}
	return p
}

func streamState(t *testing.T, l *lane, src, dst netip.AddrPort, ssrc uint32) *enforce.State {
	t.Helper()
	k := rtpflow.Key{SrcPort: src.Port(), DstPort: dst.Port(), SSRC: ssrc}
	k.Src, k.Dst = src.Addr().As16(), dst.Addr().As16()
	if src.Addr().Is4() {
		k.Src = netip.AddrFrom4(src.Addr().As4()).As16()
		k.Dst = netip.AddrFrom4(dst.Addr().As4()).As16()
	}
	s := l.tab.Lookup(k)
	if s == nil {
		t.Fatalf("no stream %v", k)
	}
	return s.Tag.(*job).state
}

// TestLaneVerdicts: every packet gets one verdict; odd traffic is accepted
// and counted; a stream's decision gives its packets their verdict, and
// a packet from another source is accepted unchanged.
func TestLaneVerdicts(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	const ssrc = 0x11223344
	good := func(seq uint16) []byte {
		return ipv4UDP(caller, callee, rtp(0, seq, uint32(seq)*160, ssrc, voice(160)))
	}
	tcp := good(1)
	tcp[9] = 6
	short := good(1)[:24]
	notRTP := ipv4UDP(caller, netip.MustParseAddrPort("192.0.2.2:53"), []byte("not rtp at all"))
	badVersion := ipv4UDP(caller, callee, append([]byte{0x40}, make([]byte, 20)...))
	injected := ipv4UDP(netip.MustParseAddrPort("198.51.100.7:4000"), callee, rtp(0, 50, 50*160, ssrc, voice(160)))

	tests := []struct {
		name     string
		decision enforce.Action
		pkt      []byte
		want     enforce.Verdict
		reason   enforce.Reason
		silence  bool // payload rewritten to 0xFF
	}{
		{"clean stream", enforce.None, good(10), enforce.Accept, enforce.ReasonClean, false},
		{"tcp", enforce.ActionMute, tcp, enforce.Accept, enforce.ReasonNoStream, false},
		{"truncated ip", enforce.ActionMute, short, enforce.Accept, enforce.ReasonMalformed, false},
		{"udp on another port", enforce.ActionMute, notRTP, enforce.Accept, enforce.ReasonNoStream, false},
		{"rtp port, not rtp", enforce.ActionDrop, badVersion, enforce.Accept, enforce.ReasonNoStream, false},
		{"muted stream", enforce.ActionMute, good(11), enforce.Mute, enforce.ReasonRule, true},
		{"dropped stream", enforce.ActionDrop, good(12), enforce.Drop, enforce.ReasonRule, false},
		{"marked stream", enforce.ActionMark, good(13), enforce.Mark, enforce.ReasonRule, false},
		{"logged stream", enforce.ActionLog, good(14), enforce.Accept, enforce.ReasonLogged, false},
		{"injected from another source under mute", enforce.ActionMute, injected, enforce.Accept, enforce.ReasonClean, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, sink, _ := testLane(t, 8)
			for seq := uint16(1); seq < 10; seq++ {
				l.handle(uint32(seq), good(seq), t0.Add(time.Duration(seq)*20*time.Millisecond))
			}
			st := streamState(t, l, caller, callee, ssrc)
			if tc.decision != enforce.None {
				if err := st.Set(enforce.Decision{Action: tc.decision, Rule: "car warranty", Mark: 0x5350}); err != nil {
					t.Fatal(err)
				}
			}
			pkt := append([]byte(nil), tc.pkt...)
			before := sink.count
			l.handle(99, pkt, t0.Add(time.Second))
			if sink.count != before+1 || sink.last.id != 99 {
				t.Fatalf("verdicts %d (last id %d), want one for id 99", sink.count-before, sink.last.id)
			}
			got := sink.last.res
			if got.Verdict != tc.want || got.Reason != tc.reason {
				t.Errorf("verdict %v (%v), want %v (%v)", got.Verdict, got.Reason, tc.want, tc.reason)
			}
			if tc.want == enforce.Mark && got.Mark != 0x5350 {
				t.Errorf("mark %#x, want 0x5350", got.Mark)
			}
			rewritten := string(pkt) != string(tc.pkt)
			if tc.silence {
				for i, b := range pkt[40:] {
					if b != 0xFF {
						t.Fatalf("payload byte %d is %#x, want PCMU silence 0xff", i, b)
					}
				}
				if want := udpChecksum(pkt); binary.BigEndian.Uint16(pkt[26:]) != want {
					t.Errorf("udp checksum %#04x, want %#04x", binary.BigEndian.Uint16(pkt[26:]), want)
				}
				if string(pkt[:40]) != string(tc.pkt[:26])+string(pkt[26:28])+string(tc.pkt[28:40]) {
					t.Errorf("headers changed beyond the UDP checksum")
				}
			} else if rewritten {
				t.Errorf("packet rewritten under verdict %v", got.Verdict)
			}
		})
	}
}

// TestLaneNoAllocs: once a stream exists, judging its packets allocates
// nothing, clean or muted.
func TestLaneNoAllocs(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	const ssrc = 0x5eed
	const n = 4000
	pkts := make([][]byte, n)
	for i := range pkts {
		pkts[i] = ipv4UDP(caller, callee, rtp(8, uint16(i), uint32(i)*160, ssrc, voice(160)))
	}
	for _, mute := range []bool{false, true} {
		name := map[bool]string{false: "clean", true: "muted"}[mute]
		t.Run(name, func(t *testing.T) {
			l, sink, an := testLane(t, 16)
			i := 0
			next := func() {
				l.handle(uint32(i), pkts[i%n], t0.Add(time.Duration(i)*20*time.Millisecond))
				i++
			}
			for range 200 { // every ring slot has grown its buffer
				next()
				waitDrained(t, an)
			}
			if mute {
				if err := streamState(t, l, caller, callee, ssrc).Set(enforce.Decision{Action: enforce.ActionMute, Rule: "x"}); err != nil {
					t.Fatal(err)
				}
			}
			queued := an.stats().FramesQueued
			allocs := testing.AllocsPerRun(1000, func() {
				next()
				runtime.Gosched() // AllocsPerRun runs on one P: let the worker drain
			})
			if allocs != 0 {
				t.Errorf("%v allocations per packet, want 0", allocs)
			}
			want := map[bool]enforce.Verdict{false: enforce.Accept, true: enforce.Mute}[mute]
			if sink.last.res.Verdict != want {
				t.Errorf("last verdict %v, want %v: the measured path was not the one meant", sink.last.res.Verdict, want)
			}
			if q := an.stats().FramesQueued - queued; q < 900 {
				t.Errorf("%d of the 1000 measured frames were copied for analysis, want nearly all: the copy was not measured", q)
			}
		})
	}
}

// waitDrained waits until the analysis has taken every queued frame.
func waitDrained(t *testing.T, an *analyzer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for an.backlog.Load() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("analysis backlog stuck at %d frames", an.backlog.Load())
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// TestAnalysisQueueFull: when the worker cannot keep up, the audio is
// skipped and counted; every packet still gets its verdict at once.
func TestAnalysisQueueFull(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	var pol atomic.Pointer[policy]
	pol.Store(&policy{gen: 1, cfg: config.Default()})
	an := newAnalyzer(slog.New(slog.NewTextHandler(io.Discard, nil)), nil, &pol, nil, 4, 0, 16, AnalysisBatch)
	an.shutdown(time.Second) // no worker: nothing drains from here on
	sink := &fakeSink{}
	l := newLane(0, rtpflow.Config{Ports: rtpflow.Ports{{Lo: 10000, Hi: 20000}}}, enforce.New(enforce.Config{}), an, sink)
	for i := range 20 {
		l.handle(uint32(i), ipv4UDP(caller, callee, rtp(0, uint16(i), uint32(i)*160, 7, voice(160))), t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	if sink.count != 20 {
		t.Fatalf("%d verdicts for 20 packets", sink.count)
	}
	s := an.stats()
	if s.FramesQueued != 4 || s.FramesSkipped == 0 || s.FramesQueued+s.FramesSkipped > 20 {
		t.Errorf("queued %d, skipped %d of 20 frames; want 4 queued (the ring) and the rest skipped", s.FramesQueued, s.FramesSkipped)
	}
}

// TestAnalysisOverRealTime: a stream flooding 800 times real time is
// analysed at its budget, the rest skipped and counted as over real time;
// a real-time call on the same lane is analysed whole, and every packet of
// both gets its verdict.
func TestAnalysisOverRealTime(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	var pol atomic.Pointer[policy]
	pol.Store(&policy{gen: 1, cfg: config.Default()})
	an := newAnalyzer(slog.New(slog.NewTextHandler(io.Discard, nil)), nil, &pol, nil, 4096, 0, 16, AnalysisBatch)
	an.shutdown(time.Second) // no worker: the rings keep what was queued
	sink := &fakeSink{}
	l := newLane(0, rtpflow.Config{Ports: rtpflow.Ports{{Lo: 10000, Hi: 20000}}}, enforce.New(enforce.Config{}), an, sink)
	flooder := netip.MustParseAddrPort("198.51.100.7:5000")
	const rate, seconds = 40_000, 2
	calls := 0
	for i := range rate * seconds {
		at := t0.Add(time.Duration(i) * time.Second / rate)
		l.handle(uint32(i), ipv4UDP(flooder, callee, rtp(0, uint16(i), uint32(i)*160, 99, voice(160))), at)
		if i%(rate/50) == 0 { // the call: a packet every 20 ms
			l.handle(1<<31|uint32(calls), ipv4UDP(caller, callee, rtp(0, uint16(calls), uint32(calls)*160, 7, voice(160))), at)
			calls++
		}
	}
	if want := rate*seconds + calls; sink.count != want {
		t.Fatalf("%d verdicts for %d packets", sink.count, want)
	}
	s := an.stats()
	flood := (budgetBurst + seconds*budgetRate) / 160 // 2 s, then 1.25 × real time
	if s.FramesQueued < uint64(calls+flood-2) || s.FramesQueued > uint64(calls+flood) {
		t.Errorf("%d frames queued, want the call's %d and about %d of the flood's", s.FramesQueued, calls, flood)
	}
	if s.FramesOverRealTime+s.FramesQueued != uint64(rate*seconds+calls) || s.FramesSkipped != 0 {
		t.Errorf("queued %d, over real time %d, queue full %d: want every frame queued or over real time", s.FramesQueued, s.FramesOverRealTime, s.FramesSkipped)
	}
}
