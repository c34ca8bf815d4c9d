package rtpflow

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// recorder is a Sink that keeps what it is given.
type recorder struct {
	frames []Frame
	ended  map[Key]EndReason
}

func (r *recorder) Frame(s *Stream, f *Frame) {
	c := *f
	c.Payload = bytes.Clone(f.Payload)
	r.frames = append(r.frames, c)
}

func (r *recorder) End(s *Stream, why EndReason) {
	if r.ended == nil {
		r.ended = map[Key]EndReason{}
	}
	r.ended[s.Key] = why
}

// pkt is one RTP packet to send: sequence number, arrival offset in ms.
type pkt struct {
	seq    uint16
	ts     uint32
	pt     uint8
	marker bool
	ms     float64
	ssrc   uint32
	size   int
}

func udpFor(src, dst string, payload []byte) *packet.UDP {
	s, d := netip.MustParseAddrPort(src), netip.MustParseAddrPort(dst)
	return &packet.UDP{Src: s.Addr().As16(), Dst: d.Addr().As16(), SrcPort: s.Port(), DstPort: d.Port(), Payload: payload}
}

func marshal(t testing.TB, p pkt) []byte {
	t.Helper()
	size := p.size
	if size == 0 {
		size = 160
	}
	payload := bytes.Repeat([]byte{byte(p.seq)}, size)
	ssrc := p.ssrc
	if ssrc == 0 {
		ssrc = 0x1a2b3c4d
	}
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: p.pt, Marker: p.marker,
		SequenceNumber: p.seq, Timestamp: p.ts, SSRC: ssrc}, Payload: payload}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run feeds packets (ts defaults to 160 per sequence step from the first).
func run(t testing.TB, cfg Config, pkts []pkt) (*Table, *recorder) {
	t.Helper()
	rec := &recorder{}
	tab := NewTable(cfg, rec)
	for _, p := range pkts {
		b := marshal(t, p)
		at := t0.Add(time.Duration(p.ms * float64(time.Millisecond)))
		tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", b), at)
	}
	return tab, rec
}

// seqs builds n in-order packets from seq, 20 ms apart.
func seqs(from uint16, n int) []pkt {
	var out []pkt
	for i := 0; i < n; i++ {
		s := from + uint16(i)
		out = append(out, pkt{seq: s, ts: 1000 + uint32(i)*160, ms: float64(i) * 20})
	}
	return out
}

var onPorts = Config{Ports: Ports{{Lo: 30000, Hi: 30010}}}

func only(t *testing.T, tab *Table) Stats {
	t.Helper()
	var got []Stats
	tab.Streams(func(s *Stream) bool { got = append(got, s.Stats()); return true })
	if len(got) != 1 {
		t.Fatalf("got %d streams, want 1", len(got))
	}
	return got[0]
}

func TestStreamCounts(t *testing.T) {
	drop := func(ps []pkt, idx ...int) []pkt {
		skip := map[int]bool{}
		for _, i := range idx {
			skip[i] = true
		}
		var out []pkt
		for i, p := range ps {
			if !skip[i] {
				out = append(out, p)
			}
		}
		return out
	}
	swap := func(ps []pkt, i int) []pkt {
		ps = append([]pkt(nil), ps...)
		ps[i], ps[i+1] = ps[i+1], ps[i]
		ps[i].ms, ps[i+1].ms = ps[i+1].ms, ps[i].ms
		return ps
	}
	dup := func(ps []pkt, i int) []pkt {
		out := append([]pkt(nil), ps[:i+1]...)
		out = append(out, ps[i])
		return append(out, ps[i+1:]...)
	}
	tests := []struct {
		name                    string
		pkts                    []pkt
		packets, expected       uint64
		lost                    int64
		dups, ooo, wraps        uint64
		framesOut, lostInFrames int
	}{
		{"clean", seqs(100, 50), 50, 50, 0, 0, 0, 0, 50, 0},
		{"loss", drop(seqs(100, 50), 10, 11, 30), 47, 50, 3, 0, 0, 0, 47, 3},
		{"reorder", swap(seqs(100, 50), 20), 50, 50, 0, 0, 1, 0, 50, 0},
		{"duplicate", dup(seqs(100, 50), 5), 51, 50, -1, 1, 0, 0, 50, 0},
		{"wrap", seqs(65500, 100), 100, 100, 0, 0, 0, 1, 100, 0},
		{"wrap with loss at the edge", drop(seqs(65530, 20), 5, 6), 18, 20, 2, 0, 0, 1, 18, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tab, rec := run(t, onPorts, tc.pkts)
			tab.Flush()
			var st Stats
			for k := range rec.ended {
				_ = k
			}
			// After Flush the stream is gone: take stats from a second run.
			tab2, _ := run(t, onPorts, tc.pkts)
			st = only(t, tab2)
			if st.Packets != tc.packets || st.Expected != tc.expected || st.Lost != tc.lost ||
				st.Duplicates != tc.dups || st.OutOfOrder != tc.ooo || st.SeqWraps != tc.wraps {
				t.Errorf("packets/expected/lost/dups/ooo/wraps = %d/%d/%d/%d/%d/%d, want %d/%d/%d/%d/%d/%d",
					st.Packets, st.Expected, st.Lost, st.Duplicates, st.OutOfOrder, st.SeqWraps,
					tc.packets, tc.expected, tc.lost, tc.dups, tc.ooo, tc.wraps)
			}
			if len(rec.frames) != tc.framesOut {
				t.Errorf("frames = %d, want %d", len(rec.frames), tc.framesOut)
			}
			lost := 0
			for i, f := range rec.frames {
				lost += f.Lost
				if i > 0 && f.Seq <= rec.frames[i-1].Seq {
					t.Errorf("frame %d seq %d after %d: not in order", i, f.Seq, rec.frames[i-1].Seq)
				}
				if f.Lost > 0 && f.GapSamples != 160*f.Lost {
					t.Errorf("frame %d: lost %d but gap %d samples", i, f.Lost, f.GapSamples)
				}
			}
			if lost != tc.lostInFrames {
				t.Errorf("frames mark %d lost, want %d", lost, tc.lostInFrames)
			}
		})
	}
}

func TestJitterRegularStream(t *testing.T) {
	// Every other packet 4 ms late: |D| alternates 4 ms; J converges to 4.
	ps := seqs(1, 400)
	for i := range ps {
		if i%2 == 1 {
			ps[i].ms += 4
		}
	}
	tab, _ := run(t, onPorts, ps)
	st := only(t, tab)
	if st.MaxJitterMs < 3.9 || st.MaxJitterMs > 4.0 {
		t.Errorf("max jitter = %.3f ms, want about 4", st.MaxJitterMs)
	}
}

func TestSSRCChangeIsNewStream(t *testing.T) {
	ps := seqs(1, 10)
	for i := 5; i < 10; i++ {
		ps[i].ssrc = 0xdeadbeef
	}
	tab, _ := run(t, onPorts, ps)
	if n := tab.Stats().Live; n != 2 {
		t.Fatalf("live streams = %d, want 2", n)
	}
	if k := (Key{SSRC: 0xdeadbeef}); tab.Lookup(k) != nil {
		t.Error("lookup by SSRC alone must not find a stream")
	}
}

func TestTelephoneEventAndComfortNoiseKeptOutOfAudio(t *testing.T) {
	ps := seqs(1, 30)
	// Packets 10-13: a telephone-event (PT 101, 4-byte payload, fixed ts).
	for i := 10; i < 14; i++ {
		ps[i].pt, ps[i].size, ps[i].ts = 101, 4, ps[10].ts
	}
	// Packet 20: comfort noise, then silence until 25.
	ps[20].pt, ps[20].size = 13, 1
	ps = append(ps[:21], ps[25:]...)
	tab, rec := run(t, onPorts, ps)
	st := only(t, tab)
	if st.TelephoneEvents != 4 || st.ComfortNoise != 1 {
		t.Errorf("events/cn = %d/%d, want 4/1", st.TelephoneEvents, st.ComfortNoise)
	}
	if st.PayloadTypeChanges != 0 || st.PayloadType != 0 {
		t.Errorf("pt changes %d, pt %d: events and CN must not count", st.PayloadTypeChanges, st.PayloadType)
	}
	tab.Flush()
	var audio, gaps int
	for _, f := range rec.frames {
		if f.PayloadType != 0 {
			t.Errorf("frame with payload type %d delivered as audio", f.PayloadType)
		}
		audio++
		gaps += f.GapSamples
	}
	if audio != 30-4-5 {
		t.Errorf("audio frames = %d, want %d", audio, 30-4-5)
	}
	// 4 event packets + 1 CN + 4 missing = 9 packets of 160 samples.
	if gaps != 9*160 {
		t.Errorf("gap samples = %d, want %d", gaps, 9*160)
	}
}

func TestHeuristicLearnsAndReplays(t *testing.T) {
	tab, rec := run(t, Config{}, seqs(1, 10))
	st := only(t, tab)
	if st.Packets != 10 || st.Lost != 0 {
		t.Errorf("packets %d lost %d, want 10 and 0 (learned packets count)", st.Packets, st.Lost)
	}
	if ts := tab.Stats(); ts.Learning != 3 || ts.RTP != 7 || ts.Promoted != 1 {
		t.Errorf("learning/rtp/promoted = %d/%d/%d, want 3/7/1", ts.Learning, ts.RTP, ts.Promoted)
	}
	tab.Flush()
	if len(rec.frames) != 10 {
		t.Errorf("frames = %d, want 10", len(rec.frames))
	}
}

func TestHeuristicRejectsNoise(t *testing.T) {
	rec := &recorder{}
	tab := NewTable(Config{}, rec)
	// Random-looking datagrams that start like RTP v2 but whose sequence
	// numbers jump around never become a stream.
	for i := 0; i < 200; i++ {
		b := marshal(t, pkt{seq: uint16(i * 7919), ts: uint32(i * 104729)})
		tab.Handle(udpFor("192.0.2.9:5060", "192.0.2.2:5060", b), t0.Add(time.Duration(i)*time.Millisecond))
	}
	tab.Handle(udpFor("192.0.2.9:53", "192.0.2.2:53", []byte("not rtp at all")), t0)
	if st := tab.Stats(); st.Live != 0 || st.NotRTP != 1 {
		t.Errorf("live %d notRTP %d, want 0 and 1", st.Live, st.NotRTP)
	}
}

func TestStreamCapRefusesFlood(t *testing.T) {
	rec := &recorder{}
	tab := NewTable(Config{Ports: onPorts.Ports, MaxStreams: 10}, rec)
	for i := 0; i < 1000; i++ {
		b := marshal(t, pkt{seq: 1, ts: 1, ssrc: uint32(i + 1)})
		tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", b), t0)
	}
	st := tab.Stats()
	if st.Live != 10 || st.Refused != 990 {
		t.Errorf("live %d refused %d, want 10 and 990", st.Live, st.Refused)
	}
	// Two seconds later the idle ones can be evicted for new streams.
	b := marshal(t, pkt{seq: 1, ts: 1, ssrc: 99999})
	tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", b), t0.Add(2*time.Second))
	if st := tab.Stats(); st.Evicted != 1 || st.Live != 10 {
		t.Errorf("evicted %d live %d, want 1 and 10", st.Evicted, st.Live)
	}
	// After the idle timeout everything expires.
	tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", b), t0.Add(120*time.Second))
	if st := tab.Stats(); st.Live != 1 || st.Expired != 10 {
		t.Errorf("after idle: live %d expired %d, want 1 and 10", st.Live, st.Expired)
	}
}

func TestCandidateCap(t *testing.T) {
	tab := NewTable(Config{MaxCandidates: 16}, nil)
	for i := 0; i < 1000; i++ {
		b := marshal(t, pkt{seq: 1, ts: 1, ssrc: uint32(i + 1)})
		tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:4002", b), t0)
	}
	if n := len(tab.cands); n > 16 {
		t.Errorf("candidates = %d, want at most 16", n)
	}
}

// audioEndRecorder is a recorder that is also an AudioEnder; it notes, at
// each call, the stream's SSRC and how many frames had arrived.
type audioEndRecorder struct {
	recorder
	audioEnds []audioEndCall
}

type audioEndCall struct {
	ssrc   uint32
	frames int
}

func (r *audioEndRecorder) AudioEnd(s *Stream, _ time.Time) {
	r.audioEnds = append(r.audioEnds, audioEndCall{s.Key.SSRC, len(r.frames)})
}

// TestByeEndsAudioKeepsStats: a BYE delivers what the reorder window held,
// ends the stream's audio (the sink is told) and keeps its statistics; RTP
// that comes after it resumes the audio, counted, so that a sender cannot
// make itself unheard with a BYE; a second BYE ends it again.
func TestByeEndsAudioKeepsStats(t *testing.T) {
	ae := &audioEndRecorder{}
	rec := &ae.recorder
	tab := NewTable(onPorts, ae)
	for _, p := range seqs(1, 10) {
		tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", marshal(t, p)), t0.Add(time.Duration(p.ms)*time.Millisecond))
	}
	bye := []byte{0x81, 203, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d} // BYE for 0x1a2b3c4d
	if c, _ := tab.Handle(udpFor("192.0.2.1:4001", "192.0.2.2:30001", bye), t0.Add(time.Second)); c != ClassRTCP {
		t.Fatalf("bye classified %v", c)
	}
	if n := len(rec.frames); n != 10 {
		t.Errorf("frames at BYE = %d, want 10 (window flushed)", n)
	}
	if want := []audioEndCall{{0x1a2b3c4d, 10}}; !slices.Equal(ae.audioEnds, want) {
		t.Errorf("AudioEnd calls %v, want %v", ae.audioEnds, want)
	}
	if st := only(t, tab); st.Bye.IsZero() || st.AfterBye != 0 {
		t.Errorf("bye %v, after bye %d", st.Bye, st.AfterBye)
	}

	// The sender goes on talking.
	for _, p := range seqs(11, 10) {
		p.ts += 10 * 160
		tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", marshal(t, p)), t0.Add(time.Second+time.Duration(p.ms)*time.Millisecond))
	}
	st := only(t, tab)
	if st.Packets != 20 || st.Bye.IsZero() || st.AfterBye != 10 {
		t.Errorf("packets %d, bye %v, after bye %d: want 20 packets, 10 of them after the BYE", st.Packets, st.Bye, st.AfterBye)
	}
	if n := len(rec.frames); n != 20 || rec.frames[10].Seq != rec.frames[9].Seq+1 {
		t.Errorf("%d frames: the audio after the BYE must be delivered, in order", n)
	}
	tab.Handle(udpFor("192.0.2.1:4001", "192.0.2.2:30001", bye), t0.Add(2*time.Second))
	if want := []audioEndCall{{0x1a2b3c4d, 10}, {0x1a2b3c4d, 20}}; !slices.Equal(ae.audioEnds, want) {
		t.Errorf("AudioEnd calls %v, want %v", ae.audioEnds, want)
	}
	if len(rec.ended) != 0 {
		t.Errorf("End called at BYE: %v; the stream stays until it leaves the table", rec.ended)
	}
}

func TestMalformedOnRTPPort(t *testing.T) {
	tab := NewTable(onPorts, nil)
	for _, b := range [][]byte{nil, {0x80}, []byte("hello world, not rtp"), {0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff}} {
		c, s := tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", b), t0)
		if s != nil {
			t.Errorf("%x: got a stream", b)
		}
		_ = c
	}
	if st := tab.Stats(); st.Malformed < 3 {
		t.Errorf("malformed = %d, want at least 3", st.Malformed)
	}
}

// TestNoAllocs proves the per-packet path (parse, stream lookup, frame push
// and delivery) allocates nothing once a stream is established.
func TestNoAllocs(t *testing.T) {
	tab := NewTable(onPorts, discard{})
	ps := seqs(1, 2000)
	bufs := make([][]byte, len(ps))
	for i, p := range ps {
		bufs[i] = marshal(t, p)
	}
	u := udpFor("192.0.2.1:4000", "192.0.2.2:30000", nil)
	for i := 0; i < 20; i++ {
		u.Payload = bufs[i]
		tab.Handle(u, t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	i := 20
	allocs := testing.AllocsPerRun(1000, func() {
		u.Payload = bufs[i]
		tab.Handle(u, t0.Add(time.Duration(i)*20*time.Millisecond))
		i++
	})
	if allocs != 0 {
		t.Errorf("Handle allocates %.1f times per packet, want 0", allocs)
	}
}

type discard struct{}

func (discard) Frame(*Stream, *Frame)  {}
func (discard) End(*Stream, EndReason) {}

func BenchmarkHandle(b *testing.B) {
	tab := NewTable(onPorts, discard{})
	buf := marshal(b, pkt{seq: 1, ts: 1})
	u := udpFor("192.0.2.1:4000", "192.0.2.2:30000", buf)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf[2], buf[3] = byte(i>>8), byte(i)
		ts := uint32(i * 160)
		buf[4], buf[5], buf[6], buf[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		tab.Handle(u, t0.Add(time.Duration(i)*20*time.Millisecond))
	}
}

// BenchmarkStreamMemory reports the memory one live stream costs.
func BenchmarkStreamMemory(b *testing.B) {
	const n = 5000
	for b.Loop() {
		tab := NewTable(Config{Ports: onPorts.Ports, MaxStreams: n + 1}, discard{})
		var before, after runtimeMem
		before.read()
		for i := 0; i < n; i++ {
			for s := 0; s < 3; s++ {
				buf := marshal(b, pkt{seq: uint16(s), ts: uint32(s * 160), ssrc: uint32(i + 1)})
				tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", buf), t0)
			}
		}
		after.read()
		b.ReportMetric(float64(after.heap-before.heap)/n, "B/stream")
		_ = tab
	}
}

// endOrder is a Sink that records the order streams end in, by SSRC.
type endOrder struct{ ssrcs []uint32 }

func (*endOrder) Frame(*Stream, *Frame)        {}
func (e *endOrder) End(s *Stream, _ EndReason) { e.ssrcs = append(e.ssrcs, s.Key.SSRC) }
func ssrcsOf(tab *Table) (out []uint32) {
	tab.Streams(func(s *Stream) bool { out = append(out, s.Key.SSRC); return true })
	return out
}

// TestActivityOrder checks the least-recently-active list through a
// sequence of packets: Streams walks it most recent first, Flush ends the
// streams oldest first, and both agree with the order of last packets.
func TestActivityOrder(t *testing.T) {
	rec := &endOrder{}
	tab := NewTable(onPorts, rec)
	seq := map[uint32]uint16{}
	send := func(ssrc uint32) {
		seq[ssrc]++
		b := marshal(t, pkt{seq: seq[ssrc], ts: uint32(seq[ssrc]) * 160, ssrc: ssrc})
		tab.Handle(udpFor("192.0.2.1:4000", "192.0.2.2:30000", b), t0.Add(time.Duration(len(seq))*time.Millisecond))
	}
	steps := []struct {
		send uint32
		want []uint32 // most recent first
	}{
		{1, []uint32{1}},
		{2, []uint32{2, 1}},
		{3, []uint32{3, 2, 1}},
		{3, []uint32{3, 2, 1}}, // already the head
		{1, []uint32{1, 3, 2}}, // from the tail
		{3, []uint32{3, 1, 2}}, // from the middle
		{2, []uint32{2, 3, 1}}, // from the tail again
		{4, []uint32{4, 2, 3, 1}},
		{1, []uint32{1, 4, 2, 3}},
		{2, []uint32{2, 1, 4, 3}},
	}
	for i, st := range steps {
		send(st.send)
		if got := ssrcsOf(tab); !slices.Equal(got, st.want) {
			t.Fatalf("step %d (ssrc %d): Streams order %v, want %v", i, st.send, got, st.want)
		}
	}
	tab.Flush()
	if want := []uint32{3, 4, 1, 2}; !slices.Equal(rec.ssrcs, want) {
		t.Errorf("Flush ended %v, want oldest first %v", rec.ssrcs, want)
	}
}
