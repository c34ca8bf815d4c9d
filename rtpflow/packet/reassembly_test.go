package packet

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// piece is one fragment: a byte range of the datagram's fragmentable part.
type piece struct {
	off, n int
	more   bool
}

// fragmentable returns what g's fragments carry: for IPv4 the UDP header
// and payload, for IPv6 everything after the fixed header.
func (g dgram) fragmentable(tb testing.TB) []byte {
	ip := g.ip(tb)
	if g.v6 {
		return ip[40:]
	}
	return ip[20+4*g.ipOptions:]
}

// fragment builds the IP packet carrying piece p of g, with gopacket.
func (g dgram) fragment(tb testing.TB, p piece) []byte {
	data := g.fragmentable(tb)[p.off : p.off+p.n]
	s, d := g.addrs()
	if !g.v6 {
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: g.id, Protocol: layers.IPProtocolUDP, FragOffset: uint16(p.off / 8),
			SrcIP: net.IP(s.AsSlice()), DstIP: net.IP(d.AsSlice())}
		if p.more {
			ip.Flags = layers.IPv4MoreFragments
		}
		return serialize(tb, ip, gopacket.Payload(data))
	}
	nh := layers.IPProtocolUDP
	if len(g.ext) > 0 {
		nh = layers.IPProtocol(g.ext[0])
	}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolIPv6Fragment, SrcIP: net.IP(s.AsSlice()), DstIP: net.IP(d.AsSlice())}
	fh := &layers.IPv6Fragment{NextHeader: nh, FragmentOffset: uint16(p.off / 8), MoreFragments: p.more, Identification: uint32(g.id) | 0x10000}
	return serialize(tb, ip, fh, gopacket.Payload(data))
}

// step feeds one fragment of datagram g, dt after t0, and expects kind.
type step struct {
	g    int
	p    piece
	dt   time.Duration
	want Kind
}

func TestReassembly(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef"), 125) // 2000 bytes: 2008 with the UDP header
	a, b, c := piece{0, 800, true}, piece{800, 800, true}, piece{1600, 408, false}
	for _, v6 := range []bool{false, true} {
		gs := []dgram{
			{v6: v6, sport: 4000, dport: 5000, payload: payload, id: 7},
			{v6: v6, sport: 4002, dport: 5002, payload: payload[:1000], id: 8},
			{v6: v6, sport: 4004, dport: 5004, payload: payload[:1000], id: 9},
		}
		if v6 {
			gs[0].ext = []byte{protoDestOpts} // in the fragmentable part: seen after reassembly
		}
		// Datagram 0 ends with c; 1 and 2 are 1008 bytes: pieces a and d.
		c.n = len(gs[0].fragmentable(t)) - c.off
		d := piece{800, 208, false}
		tests := []struct {
			name  string
			cfg   DecoderConfig
			steps []step
			want  Stats // Packets and UDP are checked through the steps
		}{
			{"in-order", DecoderConfig{Reassemble: true}, []step{{0, a, 0, KindFragment}, {0, b, 0, KindFragment}, {0, c, 0, KindUDP}},
				Stats{Fragments: 3, Reassembled: 1}},
			{"reverse-order", DecoderConfig{Reassemble: true}, []step{{0, c, 0, KindFragment}, {0, b, 0, KindFragment}, {0, a, 0, KindUDP}},
				Stats{Fragments: 3, Reassembled: 1}},
			{"last-piece-in-the-middle", DecoderConfig{Reassemble: true}, []step{{0, a, 0, KindFragment}, {0, c, 0, KindFragment}, {0, b, 0, KindUDP}},
				Stats{Fragments: 3, Reassembled: 1}},
			{"two-datagrams-interleaved", DecoderConfig{Reassemble: true}, []step{{0, a, 0, KindFragment}, {1, d, 0, KindFragment}, {0, b, 0, KindFragment}, {1, a, 0, KindUDP}, {0, c, 0, KindUDP}},
				Stats{Fragments: 5, Reassembled: 2}},
			{"exact-duplicate-ignored", DecoderConfig{Reassemble: true}, []step{{0, a, 0, KindFragment}, {0, b, 0, KindFragment}, {0, b, 0, KindFragment}, {0, c, 0, KindUDP}},
				Stats{Fragments: 4, Reassembled: 1, FragmentsSkipped: 1}},
			{"overlap-drops-datagram", DecoderConfig{Reassemble: true}, []step{{0, a, 0, KindFragment}, {0, b, 0, KindFragment}, {0, piece{400, 800, true}, 0, KindFragment}, {0, c, 0, KindFragment}},
				Stats{Fragments: 4, FragmentsOverlapping: 3, PendingFragments: 1, PendingDatagrams: 1}},
			{"second-last-piece-drops-datagram", DecoderConfig{Reassemble: true}, []step{{0, c, 0, KindFragment}, {0, piece{1600, 8, false}, 0, KindFragment}},
				Stats{Fragments: 2, FragmentsOverlapping: 2}},
			{"piece-past-the-end-drops-datagram", DecoderConfig{Reassemble: true}, []step{{1, d, 0, KindFragment}, {1, piece{1008, 0, false}, 0, KindFragment}},
				Stats{Fragments: 2, FragmentsOverlapping: 2}},
			{"expired-by-packet-time", DecoderConfig{Reassemble: true, Timeout: time.Second}, []step{{0, a, 0, KindFragment}, {0, b, 500 * time.Millisecond, KindFragment}, {0, c, 1001 * time.Millisecond, KindFragment}},
				Stats{Fragments: 3, FragmentsExpired: 2, PendingFragments: 1, PendingDatagrams: 1}},
			{"default-timeout-30s", DecoderConfig{Reassemble: true}, []step{{0, a, 0, KindFragment}, {0, b, 29 * time.Second, KindFragment}, {0, c, 30 * time.Second, KindUDP}, {1, a, 31 * time.Second, KindFragment}, {1, d, 62 * time.Second, KindFragment}},
				Stats{Fragments: 5, Reassembled: 1, FragmentsExpired: 1, PendingFragments: 1, PendingDatagrams: 1}},
			{"time-going-backwards-does-not-expire", DecoderConfig{Reassemble: true, Timeout: time.Second}, []step{{0, a, time.Second, KindFragment}, {0, b, 0, KindFragment}, {0, c, 1900 * time.Millisecond, KindUDP}},
				Stats{Fragments: 3, Reassembled: 1}},
			{"oldest-evicted-when-full", DecoderConfig{Reassemble: true, MaxPending: 2}, []step{{0, a, 0, KindFragment}, {1, a, 1, KindFragment}, {2, a, 2, KindFragment}, {1, d, 3, KindUDP}, {2, d, 4, KindUDP}, {0, b, 5, KindFragment}},
				Stats{Fragments: 6, Reassembled: 2, FragmentsExpired: 1, PendingFragments: 1, PendingDatagrams: 1}},
			{"without-reassembly", DecoderConfig{}, []step{{0, a, 0, KindFragment}, {0, b, 0, KindFragment}, {0, c, 0, KindFragment}},
				Stats{Fragments: 3, FragmentsSkipped: 3}},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("ipv6=%v/%s", v6, tc.name), func(t *testing.T) {
				dec := NewDecoder(tc.cfg)
				udps := 0
				for i, s := range tc.steps {
					var got UDP
					frame := gs[s.g].fragment(t, s.p)
					k, err := dec.Decode(LinkRaw, frame, t0.Add(s.dt), &got)
					if k != s.want || err != nil {
						t.Fatalf("step %d: Decode = %v, %v; want %v, nil", i, k, err, s.want)
					}
					if k != KindUDP {
						continue
					}
					udps++
					want := gs[s.g].want(-1)
					want.TransportOffset, want.Reassembled = -1, true
					if diff := diffUDP(want, got); diff != "" {
						t.Errorf("step %d: reassembled (-want +got):\n%s", i, diff)
					}
				}
				want := tc.want
				want.Packets, want.UDP = uint64(len(tc.steps)), uint64(udps)
				if got := dec.Stats(); got != want {
					t.Errorf("Stats (-want +got):\n-%+v\n+%+v", want, got)
				}
			})
		}
	}
}

func TestReassemblyKeys(t *testing.T) {
	// Same id, different source address (IPv4) and protocol: two datagrams.
	g := dgram{sport: 1, dport: 2, payload: make([]byte, 100), id: 42}
	first := g.fragment(t, piece{0, 48, true})
	other := bytes.Clone(first)
	other[15] ^= 1                              // another source address
	last := g.fragment(t, piece{48, 60, false}) // completes only the first
	dec := NewDecoder(DecoderConfig{Reassemble: true})
	var got UDP
	for i, f := range [][]byte{first, other, last} {
		k, err := dec.Decode(LinkRaw, f, t0, &got)
		want := KindFragment
		if i == 2 {
			want = KindUDP
		}
		if k != want || err != nil {
			t.Fatalf("fragment %d: Decode = %v, %v; want %v", i, k, err, want)
		}
	}
	if s := dec.Stats(); s.PendingDatagrams != 1 || s.Reassembled != 1 {
		t.Errorf("Stats = %+v, want 1 reassembled, 1 pending", s)
	}
}

func TestReassemblyMalformedDatagram(t *testing.T) {
	g := dgram{sport: 1, dport: 2, payload: make([]byte, 100)}
	first := g.fragment(t, piece{0, 48, true})
	first[20+4], first[20+5] = 0x01, 0x00 // UDP length 256 > 108
	dec := NewDecoder(DecoderConfig{Reassemble: true})
	var got UDP
	if k, err := dec.Decode(LinkRaw, first, t0, &got); k != KindFragment || err != nil {
		t.Fatalf("first: Decode = %v, %v", k, err)
	}
	k, err := dec.Decode(LinkRaw, g.fragment(t, piece{48, 60, false}), t0, &got)
	if k != KindMalformed || !errors.Is(err, ErrTruncated) {
		t.Fatalf("last: Decode = %v, %v; want malformed, ErrTruncated", k, err)
	}
	if got, want := err.Error(), "udp: length 256 exceeds ip payload 108: packet truncated"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

// TestReassemblyRandom cuts random datagrams into random pieces, shuffles
// them with random duplicates, and checks every datagram comes out whole
// and the counts add up.
func TestReassemblyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	dec := NewDecoder(DecoderConfig{Reassemble: true, MaxPending: 1000})
	var frames [][]byte
	var gs []dgram
	dups := 0
	for i := range 200 {
		g := dgram{v6: rng.IntN(2) == 0, sport: uint16(i), dport: 9, payload: make([]byte, 100+rng.IntN(8000)), id: uint16(i)}
		for j := range g.payload {
			g.payload[j] = byte(rng.Uint32())
		}
		gs = append(gs, g)
		total := len(g.fragmentable(t))
		for off := 0; off < total; {
			n := 8 * (1 + rng.IntN(200))
			if off+n >= total {
				n = total - off
			}
			if off == 0 && n == total { // at least two pieces
				n = total / 2 &^ 7
			}
			f := g.fragment(t, piece{off, n, off+n < total})
			frames = append(frames, f)
			if rng.IntN(10) == 0 {
				frames = append(frames, f)
				dups++
			}
			off += n
		}
	}
	rng.Shuffle(len(frames), func(i, j int) { frames[i], frames[j] = frames[j], frames[i] })
	seen := map[uint16]bool{}
	var got UDP
	for i, f := range frames {
		k, err := dec.Decode(LinkRaw, f, t0, &got)
		if err != nil || (k != KindUDP && k != KindFragment) {
			t.Fatalf("frame %d: Decode = %v, %v", i, k, err)
		}
		if k != KindUDP {
			continue
		}
		g := gs[got.SrcPort]
		if seen[got.SrcPort] {
			t.Fatalf("datagram %d reassembled twice", got.SrcPort)
		}
		seen[got.SrcPort] = true
		if !bytes.Equal(got.Payload, g.payload) || got.IPv6 != g.v6 {
			t.Fatalf("datagram %d: payload of %d bytes differs from the %d sent", got.SrcPort, len(got.Payload), len(g.payload))
		}
	}
	s := dec.Stats()
	if len(seen) != len(gs) || s.Reassembled != uint64(len(gs)) {
		t.Errorf("reassembled %d datagrams of %d; Stats = %+v", len(seen), len(gs), s)
	}
	// A duplicate is skipped, or, arriving after its datagram completed,
	// held as the start of a new one.
	if s.FragmentsSkipped+uint64(s.PendingFragments) != uint64(dups) || s.Fragments != uint64(len(frames)) {
		t.Errorf("Stats = %+v with %d duplicates among %d frames", s, dups, len(frames))
	}
}

func TestReassemblyNoAllocsSteadyState(t *testing.T) {
	g := dgram{sport: 1, dport: 2, payload: make([]byte, 2000)}
	a, b := g.fragment(t, piece{0, 1480, true}), g.fragment(t, piece{1480, 528, false})
	dec := NewDecoder(DecoderConfig{Reassemble: true})
	var out UDP
	allocs := testing.AllocsPerRun(100, func() {
		dec.Decode(LinkRaw, a, t0, &out)
		if k, err := dec.Decode(LinkRaw, b, t0, &out); k != KindUDP {
			t.Fatalf("Decode = %v, %v", k, err)
		}
	})
	if allocs != 0 {
		t.Errorf("reassembling a datagram allocates %v times once warm, want 0", allocs)
	}
}
