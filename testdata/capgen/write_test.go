package capgen

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/zaf/g711"
)

func TestWriteDeterministic(t *testing.T) {
	im := Impairments{Loss: 0.05, BurstLoss: 2, Duplicate: 0.03, Reorder: 0.03, ReorderDepth: 2, JitterMs: 30, Seed: 7}
	tests := []struct {
		name string
		opt  Options
	}{
		{"pcap ethernet", Options{Noise: 10, Seed: 3}},
		{"pcapng sll2 fragmented", Options{Format: PCAPNG, Link: LinuxSLL2, FragmentMTU: 120, Noise: 10, Seed: 3}},
		{"pcap ns qinq", Options{Link: EthernetQinQ, Nanosecond: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStream(im)
			s.RTCP = true
			s.SSRCChangeAt, s.NewSSRC = 200, 0xfeedf00d
			a, ta := write(t, tt.opt, s)
			b, tb := write(t, tt.opt, s)
			if !bytes.Equal(a, b) {
				t.Fatalf("same seed, different captures (%d and %d bytes)", len(a), len(b))
			}
			if fmt.Sprint(ta) != fmt.Sprint(tb) {
				t.Fatalf("same seed, different truth:\n%v\n%v", ta, tb)
			}
			s.Impair.Seed++
			c, _ := write(t, tt.opt, s)
			if bytes.Equal(a, c) {
				t.Fatal("seeds 7 and 8 gave identical captures")
			}
		})
	}
}

// unwrapper extends 16-bit sequence numbers, as a receiver would.
type unwrapper struct {
	started bool
	last    int64
}

func (u *unwrapper) extend(seq uint16) int64 {
	if !u.started {
		u.started, u.last = true, int64(seq)
		return u.last
	}
	d := int64(int16(seq - uint16(u.last)))
	v := u.last + d
	u.last = max(u.last, v)
	return v
}

func TestImpairments(t *testing.T) {
	tests := []struct {
		name string
		im   Impairments
		seq  uint16
		// expected ranges over 500 packets
		lost, dup, held [2]int
	}{
		{"clean", Impairments{}, 1000, [2]int{0, 0}, [2]int{0, 0}, [2]int{0, 0}},
		{"loss", Impairments{Loss: 0.05, Seed: 1}, 1000, [2]int{10, 45}, [2]int{0, 0}, [2]int{0, 0}},
		{"burst loss", Impairments{Loss: 0.02, BurstLoss: 3, Seed: 2}, 1000, [2]int{12, 60}, [2]int{0, 0}, [2]int{0, 0}},
		{"duplicates", Impairments{Duplicate: 0.05, Seed: 3}, 1000, [2]int{0, 0}, [2]int{10, 45}, [2]int{0, 0}},
		{"reorder", Impairments{Reorder: 0.05, Seed: 4}, 1000, [2]int{0, 0}, [2]int{0, 0}, [2]int{10, 45}},
		{"reorder depth 3", Impairments{Reorder: 0.05, ReorderDepth: 3, Seed: 5}, 1000, [2]int{0, 0}, [2]int{0, 0}, [2]int{10, 45}},
		{"all with wrap", Impairments{Loss: 0.03, Duplicate: 0.02, Reorder: 0.02, Seed: 6}, 65500, [2]int{5, 30}, [2]int{3, 25}, [2]int{3, 25}},
		{"jitter", Impairments{JitterMs: 15, Seed: 7}, 1000, [2]int{0, 0}, [2]int{0, 0}, [2]int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStream(tt.im)
			s.Seq = tt.seq
			opt := Options{Nanosecond: true}
			capture, truth := write(t, opt, s)
			if len(truth) != 1 {
				t.Fatalf("got %d truths, want 1", len(truth))
			}
			tr := truth[0]
			ds, _ := readCapture(t, capture)
			pkts := rtpOf(t, ds, s.Dst)
			var got []uint16
			distinct := map[uint16]bool{}
			var u unwrapper
			var maxExt int64 = -1
			ooo := 0
			for i, p := range pkts {
				got = append(got, p.seq)
				ext := u.extend(p.seq)
				if distinct[p.seq] {
					continue
				}
				distinct[p.seq] = true
				if ext < maxExt {
					ooo++
				}
				maxExt = max(maxExt, ext)
				// Arrival minus nominal time: in [0, JitterMs] unless held back.
				idx := int(uint16(p.seq - tr.FirstSeq))
				nominal := DefaultStart().Add(time.Duration(idx) * DefaultPacketTime)
				if d := ds[i].at.Sub(nominal); tt.im.Reorder == 0 && (d < 0 || d > time.Duration(tt.im.JitterMs*float64(time.Millisecond))) {
					t.Errorf("seq %d arrives %v after its nominal time, jitter is %v ms", p.seq, d, tt.im.JitterMs)
				}
			}
			for i := 1; i < len(ds); i++ {
				if ds[i].at.Before(ds[i-1].at) {
					t.Fatalf("record %d at %v is before record %d at %v", i, ds[i].at, i-1, ds[i-1].at)
				}
			}
			if d := diffLines(seqStrings(tr.Seqs), seqStrings(got)); d != "" {
				t.Errorf("sequence numbers in the capture vs truth: %s", d)
			}
			checks := []struct {
				name      string
				want, got int
			}{
				{"generated", 500, tr.Generated},
				{"sent", len(distinct), tr.Sent},
				{"lost", tr.Generated - len(distinct), tr.Lost},
				{"records", len(pkts), tr.Packets},
				{"rfc 3550 lost", tr.Generated - len(pkts), tr.LostRFC3550},
				{"duplicated", len(pkts) - len(distinct), tr.Duplicated},
				{"out of order", ooo, tr.OutOfOrder},
				{"last-first+1", tr.Generated, int(uint16(tr.LastSeq-tr.FirstSeq)) + 1},
			}
			if tt.im.JitterMs <= 20 {
				// Without jitter beyond the packet time, only held-back packets arrive late.
				checks = append(checks, struct {
					name      string
					want, got int
				}{"out of order == held back", tr.Reordered, tr.OutOfOrder})
			}
			for _, c := range checks {
				if c.want != c.got {
					t.Errorf("%s: want %d, got %d", c.name, c.want, c.got)
				}
			}
			for _, r := range []struct {
				name string
				rng  [2]int
				got  int
			}{{"lost", tt.lost, tr.Lost}, {"duplicated", tt.dup, tr.Duplicated}, {"held back", tt.held, tr.Reordered}} {
				if r.got < r.rng[0] || r.got > r.rng[1] {
					t.Errorf("%s = %d, want within %v", r.name, r.got, r.rng)
				}
			}
			if !distinct[tr.FirstSeq] || !distinct[tr.LastSeq] {
				t.Errorf("first (%d) or last (%d) packet lost", tr.FirstSeq, tr.LastSeq)
			}
			if wantWraps := (int(tt.seq) + 499) >> 16; tr.SeqWraps != wantWraps {
				t.Errorf("seq wraps: want %d, got %d", wantWraps, tr.SeqWraps)
			}
			if tt.im.BurstLoss > 1 {
				checkBursts(t, tr, distinct, tt.im.BurstLoss)
			}
		})
	}
}

// checkBursts checks that every run of lost packets is a whole number of
// bursts, except one cut short by the protected last packet.
func checkBursts(t *testing.T, tr StreamTruth, received map[uint16]bool, burst int) {
	t.Helper()
	run := 0
	for i := range tr.Generated {
		seq := tr.FirstSeq + uint16(i)
		if !received[seq] {
			run++
			continue
		}
		if run%burst != 0 && i != tr.Generated-1 {
			t.Errorf("run of %d lost packets ending before seq %d is not a multiple of %d", run, seq, burst)
		}
		run = 0
	}
}

func TestReorderDepth(t *testing.T) {
	// With depth 3 and no other impairment, a held packet arrives right after
	// the three packets that follow it.
	s := testStream(Impairments{Reorder: 0.02, ReorderDepth: 3, Seed: 11})
	capture, truth := write(t, Options{}, s)
	ds, _ := readCapture(t, capture)
	pkts := rtpOf(t, ds, s.Dst)
	if truth[0].Reordered == 0 {
		t.Fatal("no packet held back; pick another seed")
	}
	held := 0
	for i, p := range pkts {
		// Packets with a higher sequence number that arrived before p: the
		// three it waited for when it was held back, none otherwise.
		later := 0
		for _, q := range pkts[:i] {
			if q.seq > p.seq {
				later++
			}
		}
		switch {
		case later == 3:
			held++
		case later != 0:
			t.Errorf("seq %d arrives after %d packets with higher numbers, want 0 or 3", p.seq, later)
		}
	}
	if held != truth[0].Reordered {
		t.Errorf("%d packets arrived 3 late, truth says %d held back", held, truth[0].Reordered)
	}
}

func TestAudioRoundTrip(t *testing.T) {
	for _, pt := range []uint8{PayloadPCMU, PayloadPCMA} {
		t.Run(fmt.Sprint("pt ", pt), func(t *testing.T) {
			s := testStream(Impairments{})
			s.PayloadType = pt
			s.Audio = s.Audio[:SampleRate+80] // 1.01 s: the last packet is half padding
			capture, truth := write(t, Options{}, s)
			ds, _ := readCapture(t, capture)
			var pcm []int16
			for i, p := range rtpOf(t, ds, s.Dst) {
				if p.pt != pt || p.ssrc != s.SSRC || p.marker != (i == 0) || p.ts != s.Timestamp+uint32(160*i) || len(p.payload) != 160 {
					t.Fatalf("packet %d: pt %d ssrc %#x marker %v ts %d len %d", i, p.pt, p.ssrc, p.marker, p.ts, len(p.payload))
				}
				for _, b := range p.payload {
					if pt == PayloadPCMA {
						pcm = append(pcm, g711.DecodeAlawFrame(b))
					} else {
						pcm = append(pcm, g711.DecodeUlawFrame(b))
					}
				}
			}
			if truth[0].Generated != 51 || len(pcm) != 51*160 {
				t.Fatalf("want 51 packets, 8160 samples; got %d packets, %d samples", truth[0].Generated, len(pcm))
			}
			for i, v := range pcm {
				want := int16(0)
				if i < len(s.Audio) {
					want = s.Audio[i]
				}
				// G.711 keeps about 4 significant bits: error below 1/16 of the value, or 16 near zero.
				if d := int(v) - int(want); d > max(16, abs(int(want))/16) || -d > max(16, abs(int(want))/16) {
					t.Fatalf("sample %d: want %d, decoded %d", i, want, v)
				}
			}
		})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func TestDTMFAndComfortNoise(t *testing.T) {
	s := testStream(Impairments{})
	s.Audio = tone(4 * SampleRate)
	s.DTMF = []DTMF{{Digit: '5', At: time.Second}, {Digit: '#', At: 1500 * time.Millisecond, Duration: 200 * time.Millisecond, Volume: 20}}
	s.ComfortNoise = []Span{{From: 2 * time.Second, To: 3 * time.Second}}
	capture, truth := write(t, Options{}, s)
	tr := truth[0]
	// 200 slots; DTMF '5': 5+3 packets, '#': 10+3; CN: 5 packets replace 50 slots.
	if want := (Stream{DTMF: s.DTMF}); tr.DTMF != 21 || tr.ComfortNoise != 5 || tr.Audio != 200-21-50 || tr.Generated != 200-21-50+21+5 {
		t.Fatalf("audio %d dtmf %d cn %d generated %d, want 129, 21, 5, 155 (%v)", tr.Audio, tr.DTMF, tr.ComfortNoise, tr.Generated, want.DTMF)
	}
	ds, _ := readCapture(t, capture)
	pkts := rtpOf(t, ds, s.Dst)
	type event struct {
		code      uint8
		ts        uint32
		durations []int
		ends      int
		marker    bool
	}
	var events []*event
	var cn []rtpHeader
	for i, p := range pkts {
		if i > 0 && p.seq != pkts[i-1].seq+1 {
			t.Fatalf("seq %d follows %d", p.seq, pkts[i-1].seq)
		}
		switch p.pt {
		case DefaultDTMFPayloadType:
			if len(p.payload) != 4 {
				t.Fatalf("dtmf payload % x", p.payload)
			}
			if p.marker {
				events = append(events, &event{code: p.payload[0], ts: p.ts, marker: true})
			}
			e := events[len(events)-1]
			if p.ts != e.ts || p.payload[0] != e.code {
				t.Errorf("seq %d: event %d ts %d inside event %d ts %d", p.seq, p.payload[0], p.ts, e.code, e.ts)
			}
			if p.payload[1]&0x80 != 0 {
				e.ends++
			}
			e.durations = append(e.durations, int(p.payload[2])<<8|int(p.payload[3]))
		case PayloadCN:
			cn = append(cn, p)
			if len(p.payload) != 1 || p.payload[0] != 60 {
				t.Errorf("cn payload % x, want 3c", p.payload)
			}
		case PayloadPCMU:
			if want := i == 0 || pkts[i-1].pt == PayloadCN; p.marker != want {
				t.Errorf("seq %d after pt %d: marker %v, want %v", p.seq, pkts[max(i-1, 0)].pt, p.marker, want)
			}
		}
	}
	wantEvents := []struct {
		code      uint8
		ts        uint32
		durations []int
	}{
		{5, s.Timestamp + 8000, []int{160, 320, 480, 640, 800, 800, 800, 800}},
		{11, s.Timestamp + 12000, []int{160, 320, 480, 640, 800, 960, 1120, 1280, 1440, 1600, 1600, 1600, 1600}},
	}
	if len(events) != len(wantEvents) {
		t.Fatalf("%d events, want %d", len(events), len(wantEvents))
	}
	for i, w := range wantEvents {
		e := events[i]
		if e.code != w.code || e.ts != w.ts || !slices.Equal(e.durations, w.durations) || e.ends != 3 {
			t.Errorf("event %d: code %d ts %d durations %v ends %d; want %d %d %v 3", i, e.code, e.ts, e.durations, e.ends, w.code, w.ts, w.durations)
		}
	}
	for i, p := range cn {
		if want := s.Timestamp + 16000 + uint32(i)*1600; p.ts != want {
			t.Errorf("cn %d ts %d, want %d", i, p.ts, want)
		}
	}
	t.Run("tshark", func(t *testing.T) {
		got := tshark(t, capture, "-d", "udp.port==30000,rtp", "-o", "rtpevent.event_payload_type_value:101",
			"-Y", "rtpevent", "-T", "fields", "-e", "rtpevent.event_id", "-e", "rtpevent.end_of_event", "-e", "rtpevent.duration")
		var want []string
		for _, e := range wantEvents {
			for k, d := range e.durations {
				end := "0"
				if k >= len(e.durations)-3 {
					end = "1"
				}
				want = append(want, fmt.Sprintf("%d\t%s\t%d", e.code, end, d))
			}
		}
		if d := diffLines(want, got); d != "" {
			t.Error(d)
		}
	})
}

func TestSSRCChange(t *testing.T) {
	s := testStream(Impairments{Loss: 0.02, Seed: 3})
	s.SSRCChangeAt, s.NewSSRC = 300, 0xcafe0001
	s.RTCP = true
	capture, truth := write(t, Options{}, s)
	if len(truth) != 2 {
		t.Fatalf("%d truths, want 2", len(truth))
	}
	if truth[0].SSRC != s.SSRC || truth[1].SSRC != s.NewSSRC || truth[0].Generated != 300 || truth[1].Generated != 200 {
		t.Fatalf("truth %#x/%d %#x/%d, want %#x/300 %#x/200", truth[0].SSRC, truth[0].Generated, truth[1].SSRC, truth[1].Generated, s.SSRC, s.NewSSRC)
	}
	ds, _ := readCapture(t, capture)
	bySSRC := map[uint32][]uint16{}
	for _, p := range rtpOf(t, ds, s.Dst) {
		bySSRC[p.ssrc] = append(bySSRC[p.ssrc], p.seq)
		if p.ssrc == s.NewSSRC && p.seq == truth[1].FirstSeq && !p.marker {
			t.Error("first packet after the SSRC change has no marker")
		}
	}
	for _, tr := range truth {
		if d := diffLines(seqStrings(tr.Seqs), seqStrings(bySSRC[tr.SSRC])); d != "" {
			t.Errorf("ssrc %#x: %s", tr.SSRC, d)
		}
		if tr.RTCP == 0 {
			t.Errorf("ssrc %#x: no RTCP", tr.SSRC)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ok := testStream(Impairments{})
	mod := func(f func(*Stream)) Stream {
		s := ok
		f(&s)
		return s
	}
	tests := []struct {
		name   string
		opt    Options
		stream Stream
		want   error
	}{
		{"no address", Options{}, mod(func(s *Stream) { s.Src = netip.AddrPort{} }), ErrStream},
		{"mixed families", Options{}, mod(func(s *Stream) { s.Dst = netip.MustParseAddrPort("[2001:db8::2]:30000") }), ErrStream},
		{"port zero", Options{}, mod(func(s *Stream) { s.Dst = netip.MustParseAddrPort("192.0.2.2:0") }), ErrStream},
		{"rtcp port overflow", Options{}, mod(func(s *Stream) { s.RTCP, s.Dst = true, netip.MustParseAddrPort("192.0.2.2:65535") }), ErrStream},
		{"no media", Options{}, mod(func(s *Stream) { s.Audio = nil }), ErrStream},
		{"audio and payloads", Options{}, mod(func(s *Stream) { s.Payloads = [][]byte{{1}} }), ErrStream},
		{"audio with pt 18", Options{}, mod(func(s *Stream) { s.PayloadType = 18 }), ErrStream},
		{"pt 128", Options{}, mod(func(s *Stream) { s.Audio, s.Payloads, s.PayloadType = nil, [][]byte{{1}}, 128 }), ErrStream},
		{"odd packet time", Options{}, mod(func(s *Stream) { s.PacketTime = 100 * time.Microsecond }), ErrStream},
		{"same new ssrc", Options{}, mod(func(s *Stream) { s.SSRCChangeAt, s.NewSSRC = 5, s.SSRC }), ErrStream},
		{"loss above 1", Options{}, mod(func(s *Stream) { s.Impair.Loss = 1.5 }), ErrImpairment},
		{"negative burst", Options{}, mod(func(s *Stream) { s.Impair.BurstLoss = -1 }), ErrImpairment},
		{"negative jitter", Options{}, mod(func(s *Stream) { s.Impair.JitterMs = -1 }), ErrImpairment},
		{"bad digit", Options{}, mod(func(s *Stream) { s.DTMF = []DTMF{{Digit: 'x', At: time.Second}} }), ErrEvent},
		{"dtmf past the end", Options{}, mod(func(s *Stream) { s.DTMF = []DTMF{{Digit: '1', At: 9950 * time.Millisecond}} }), ErrEvent},
		{"overlapping dtmf", Options{}, mod(func(s *Stream) {
			s.DTMF = []DTMF{{Digit: '1', At: time.Second}, {Digit: '2', At: 1100 * time.Millisecond}}
		}), ErrEvent},
		{"cn over dtmf", Options{}, mod(func(s *Stream) {
			s.DTMF = []DTMF{{Digit: '1', At: time.Second}}
			s.ComfortNoise = []Span{{From: 500 * time.Millisecond, To: 2 * time.Second}}
		}), ErrEvent},
		{"empty cn span", Options{}, mod(func(s *Stream) { s.ComfortNoise = []Span{{From: time.Second, To: time.Second}} }), ErrEvent},
		{"bad format", Options{Format: 7}, ok, ErrOptions},
		{"bad link", Options{Link: 42}, ok, ErrOptions},
		{"tiny mtu", Options{FragmentMTU: 40}, ok, ErrOptions},
		{"vlan too big", Options{VLAN: 5000}, ok, ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Write(io.Discard, tt.opt, tt.stream)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want an error wrapping %v", err, tt.want)
			}
		})
	}
}

func TestNanosecondTimestamps(t *testing.T) {
	s := testStream(Impairments{JitterMs: 3, Seed: 1})
	for _, tt := range []struct {
		name   string
		opt    Options
		wantNs bool
	}{
		{"pcap us", Options{}, false},
		{"pcap ns", Options{Nanosecond: true}, true},
		{"pcapng us", Options{Format: PCAPNG}, false},
		{"pcapng ns", Options{Format: PCAPNG, Nanosecond: true}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			capture, truth := write(t, tt.opt, s)
			ds, _ := readCapture(t, capture)
			subMicro := 0
			for _, d := range ds {
				if d.at.Nanosecond()%1000 != 0 {
					subMicro++
				}
			}
			if (subMicro > 0) != tt.wantNs {
				t.Errorf("%d of %d timestamps have sub-microsecond parts, want ns=%v", subMicro, len(ds), tt.wantNs)
			}
			if !ds[0].at.Equal(truth[0].First) || !ds[len(ds)-1].at.Equal(truth[0].Last) {
				t.Errorf("first/last %v %v, truth %v %v", ds[0].at, ds[len(ds)-1].at, truth[0].First, truth[0].Last)
			}
		})
	}
}

func TestPayloadsAndStart(t *testing.T) {
	payloads := [][]byte{{1, 2, 3}, {4}, {5, 6}}
	s := Stream{
		Src: netip.MustParseAddrPort("198.51.100.1:5004"), Dst: netip.MustParseAddrPort("198.51.100.2:5006"),
		SSRC: 9, PayloadType: 96, Payloads: payloads, Start: 2 * time.Second,
	}
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	capture, _ := write(t, Options{Start: start, Link: RawIP}, s)
	ds, lt := readCapture(t, capture)
	if lt != layers.LinkTypeRaw || len(ds) != 3 {
		t.Fatalf("link type %v, %d datagrams", lt, len(ds))
	}
	for i, d := range ds {
		p := parseRTP(t, d.payload)
		if !bytes.Equal(p.payload, payloads[i]) || p.pt != 96 {
			t.Errorf("packet %d: pt %d payload % x, want 96 % x", i, p.pt, p.payload, payloads[i])
		}
		if want := start.Add(2*time.Second + time.Duration(i)*DefaultPacketTime); !d.at.Equal(want) {
			t.Errorf("packet %d at %v, want %v", i, d.at, want)
		}
	}
}

func ExampleWrite() {
	// A 10 s PCMU stream whose sequence numbers wrap, with 2 % loss and 1 %
	// duplicates, in a Linux cooked (v2) pcapng file.
	s := Stream{
		Src:         netip.MustParseAddrPort("192.0.2.1:4000"),
		Dst:         netip.MustParseAddrPort("192.0.2.2:30000"),
		SSRC:        0x1a2b3c4d,
		PayloadType: PayloadPCMU,
		Seq:         65500, // wraps
		Audio:       make([]int16, 10*SampleRate),
		Impair:      Impairments{Loss: 0.02, Duplicate: 0.01, Seed: 1},
	}
	var capture bytes.Buffer
	truth, err := Write(&capture, Options{Format: PCAPNG, Link: LinuxSLL2}, s)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range truth {
		fmt.Printf("ssrc %#x: %d generated, %d lost, %d duplicated, seq %d..%d (%d wrap)\n",
			t.SSRC, t.Generated, t.Lost, t.Duplicated, t.FirstSeq, t.LastSeq, t.SeqWraps)
	}
	// Output: ssrc 0x1a2b3c4d: 500 generated, 8 lost, 2 duplicated, seq 65500..463 (1 wrap)
}

func BenchmarkWrite(b *testing.B) {
	s := testStream(Impairments{Loss: 0.02, Duplicate: 0.01, Reorder: 0.01, JitterMs: 10, Seed: 1})
	s.RTCP = true
	b.ReportAllocs()
	var n int64
	for b.Loop() {
		cw := &countWriter{}
		if _, err := Write(cw, Options{}, s); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.SetBytes(n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/500, "ns/packet")
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }
