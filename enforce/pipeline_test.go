package enforce

import (
	"bytes"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// pipeline is the daemon's fast path over raw IP packets: decode, stream
// table, state on the stream's Tag, Apply.
type pipeline struct {
	dec *packet.Decoder
	tab *rtpflow.Table
	e   *Enforcer
	u   packet.UDP
}

type discard struct{}

func (discard) Frame(*rtpflow.Stream, *rtpflow.Frame)  {}
func (discard) End(*rtpflow.Stream, rtpflow.EndReason) {}

func newPipeline(tb testing.TB) *pipeline {
	tb.Helper()
	ports, err := rtpflow.ParsePorts("10000-40000")
	if err != nil {
		tb.Fatal(err)
	}
	return &pipeline{
		dec: packet.NewDecoder(packet.DecoderConfig{}),
		tab: rtpflow.NewTable(rtpflow.Config{Ports: ports}, discard{}),
		e:   New(Config{}),
	}
}

// step judges one packet as the daemon would.
func (p *pipeline) step(pkt []byte, at time.Time) Result {
	if k, _ := p.dec.Decode(packet.LinkRaw, pkt, at, &p.u); k != packet.KindUDP {
		return p.e.Pass(ReasonMalformed)
	}
	c, s := p.tab.Handle(&p.u, at)
	if c != rtpflow.ClassRTP {
		return p.e.Pass(ReasonNoStream)
	}
	st, _ := s.Tag.(*State)
	if st == nil {
		st = NewState(s.Key)
		s.Tag = st
	}
	return p.e.Apply(pkt, &p.u, st, at)
}

// stream returns n marshalled packets of one PCMU stream on f.
func stream(tb testing.TB, f flow, ssrc uint32, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = ipPacket(tb, f, rtpSpec{pt: 0, seq: uint16(i), ts: uint32(i * 160), ssrc: ssrc, payload: audio(160)}.marshal(tb), false)
	}
	return out
}

// TestNoAllocs proves the whole fast path (decode raw IP, stream lookup,
// verdict, rewrite and checksum) allocates nothing once the stream exists.
func TestNoAllocs(t *testing.T) {
	for _, tt := range []struct {
		name string
		act  Action
		want Verdict
	}{
		{"clean", None, Accept},
		{"mute", ActionMute, Mute},
		{"bleep", ActionBleep, Bleep},
		{"drop", ActionDrop, Drop},
		{"mark", ActionMark, Mark},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t)
			pkts := stream(t, flow6, 1, 1100)
			buf := make([]byte, 0, 2048)
			for i := 0; i < 20; i++ {
				p.step(pkts[i], t0.Add(time.Duration(i)*20*time.Millisecond))
			}
			s := p.tab.Lookup(keyOf(flow6, 1))
			if s == nil {
				t.Fatal("no stream")
			}
			if tt.act != None {
				if err := s.Tag.(*State).Set(Decision{Action: tt.act, Mark: 1}); err != nil {
					t.Fatal(err)
				}
			}
			i, wrong := 20, 0
			allocs := testing.AllocsPerRun(1000, func() {
				buf = append(buf[:0], pkts[i]...)
				if r := p.step(buf, t0.Add(time.Duration(i)*20*time.Millisecond)); r.Verdict != tt.want {
					wrong++
				}
				i++
			})
			if wrong != 0 {
				t.Fatalf("%d packets not %v", wrong, tt.want)
			}
			if allocs != 0 {
				t.Errorf("fast path allocates %.2f times per packet, want 0", allocs)
			}
		})
	}
}

// TestConcurrentDecisions sets decisions from another goroutine while
// packets are judged (run with -race), until every kind of verdict has been
// seen, and checks each result is whole: a rewritten packet is all silence
// or all tone with a valid checksum, never a mix.
func TestConcurrentDecisions(t *testing.T) {
	e := New(Config{})
	st := NewState(keyOf(flow4, 5))
	orig := ipPacket(t, flow4, rtpSpec{pt: 0, ts: 0, ssrc: 5, payload: audio(160)}.marshal(t), false)
	tone := toneTable(decode.PCMU, ToneLevel)
	silence := bytes.Repeat([]byte{0xFF}, 160)
	toned := make([]byte, 160)
	for i := range toned {
		toned[i] = tone[i%8]
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		acts := []Action{ActionMute, ActionBleep, ActionDrop, ActionMark, ActionLog}
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if i%6 == 5 {
				st.Clear()
				continue
			}
			if err := st.Set(Decision{Action: acts[i%6], Mark: uint32(i)}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	seen := map[Verdict]int{}
	pkt := make([]byte, len(orig))
	for n := 0; n < 2_000_000 && len(seen) < int(numVerdicts); n++ {
		copy(pkt, orig)
		u := decodeRaw(t, pkt)
		r := e.Apply(pkt, &u, st, t0)
		seen[r.Verdict]++
		payload := pkt[len(pkt)-160:]
		switch {
		case r.Modified && r.Verdict == Mute && !bytes.Equal(payload, silence),
			r.Modified && r.Verdict == Bleep && !bytes.Equal(payload, toned),
			!r.Modified && !bytes.Equal(pkt, orig):
			t.Fatalf("packet %d: %+v with payload % x", n, r, payload[:16])
		}
		if r.Modified {
			if ok, _ := rfc1071OK(pkt); !ok {
				t.Fatalf("packet %d: bad checksum", n)
			}
		}
	}
	close(done)
	wg.Wait()
	if len(seen) < int(numVerdicts) {
		t.Errorf("saw only %v", seen)
	}
	t.Logf("verdicts seen: %v", seen)
}

// TestFragmented: a muted stream's datagram that came in IP fragments
// cannot be rewritten in place; its completing fragment is dropped.
func TestFragmented(t *testing.T) {
	whole := ipPacket(t, flow4, rtpSpec{pt: 0, ssrc: 6, payload: audio(160)}.marshal(t), false)
	hl := 20
	data := whole[hl:]
	frag := func(off int, part []byte, more bool) []byte {
		b := append(append([]byte(nil), whole[:hl]...), part...)
		binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
		fo := uint16(off / 8)
		if more {
			fo |= 0x2000
		}
		binary.BigEndian.PutUint16(b[6:], fo)
		return b
	}
	f1, f2 := frag(0, data[:96], true), frag(96, data[96:], false)
	dec := packet.NewDecoder(packet.DecoderConfig{Reassemble: true})
	var u packet.UDP
	if k, err := dec.Decode(packet.LinkRaw, f1, t0, &u); k != packet.KindFragment {
		t.Fatalf("first fragment: %v %v", k, err)
	}
	if k, err := dec.Decode(packet.LinkRaw, f2, t0, &u); k != packet.KindUDP || !u.Reassembled {
		t.Fatalf("second fragment: %v %v reassembled=%v", k, err, u.Reassembled)
	}
	st := NewState(keyOf(flow4, 6))
	st.Set(Decision{Action: ActionMute})
	before := append([]byte(nil), f2...)
	got := New(Config{}).Apply(f2, &u, st, t0)
	if d := diffResult(Result{Verdict: Drop, Reason: ReasonFragmented}, got); d != "" {
		t.Error(d)
	}
	if d := diffBytes(before, f2); d != "" {
		t.Errorf("fragment changed %s", d)
	}
}

// TestPipelineInjection runs a muted stream and an injected stream on the
// same ports (another SSRC, then another source port) through the
// daemon's path: the injected packets pass untouched and get no decision
// of their own.
func TestPipelineInjection(t *testing.T) {
	p := newPipeline(t)
	legit := stream(t, flow4, 100, 10)
	for i, pkt := range legit[:5] {
		p.step(pkt, t0.Add(time.Duration(i)*20*time.Millisecond))
	}
	s := p.tab.Lookup(keyOf(flow4, 100))
	s.Tag.(*State).Set(Decision{Action: ActionMute})
	inj := append(stream(t, flow4, 666, 3), stream(t, flow{netip4(flow4.src, 4001), flow4.dst}, 100, 3)...)
	for i, pkt := range inj {
		before := append([]byte(nil), pkt...)
		r := p.step(pkt, t0.Add(time.Duration(100+i)*20*time.Millisecond))
		if d := diffResult(Result{Reason: ReasonClean}, r); d != "" {
			t.Errorf("injected packet %d: %s", i, d)
		}
		if !bytes.Equal(before, pkt) {
			t.Errorf("injected packet %d changed", i)
		}
	}
	for i, pkt := range legit[5:] {
		if r := p.step(pkt, t0.Add(time.Duration(200+i)*20*time.Millisecond)); r.Verdict != Mute {
			t.Errorf("legit packet %d: %+v, want mute", i, r)
		}
	}
	st := p.e.Stats()
	if st.Verdict(Mute) != 5 || st.Verdict(Accept) != 11 || st.Reason(ReasonClean) != 11 {
		t.Errorf("counts: mute %d accept %d clean %d, want 5, 11, 11", st.Verdict(Mute), st.Verdict(Accept), st.Reason(ReasonClean))
	}
}
