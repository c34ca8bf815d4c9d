package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// diffUDP returns "" when got equals want, else a (-want +got) report.
func diffUDP(want, got UDP) string {
	if want.Src == got.Src && want.Dst == got.Dst && want.SrcPort == got.SrcPort &&
		want.DstPort == got.DstPort && want.IPv6 == got.IPv6 && bytes.Equal(want.Payload, got.Payload) &&
		want.NetworkOffset == got.NetworkOffset && want.TransportOffset == got.TransportOffset &&
		want.Reassembled == got.Reassembled {
		return ""
	}
	f := func(u UDP) string {
		return fmt.Sprintf("{%v -> %v v6=%v payload=%x net=%d transport=%d reassembled=%v}",
			u.SrcAddr(), u.DstAddr(), u.IPv6, u.Payload, u.NetworkOffset, u.TransportOffset, u.Reassembled)
	}
	return "-" + f(want) + "\n+" + f(got)
}

// linkCase is a valid frame of some link type.
type linkCase struct {
	name   string
	lt     LinkType
	frame  []byte
	want   UDP
	noRef  bool // gopacket cannot decode this link header
	netOff int
}

func linkCases(t testing.TB) []linkCase {
	v4 := dgram{sport: 4000, dport: 30000, payload: []byte("\x80\x00\x00\x01rtp-over-ipv4")}
	v6 := dgram{v6: true, sport: 5004, dport: 5006, payload: []byte("\x80\x08\x00\x02rtp-over-ipv6!")}
	ip4, ip6 := v4.ip(t), v6.ip(t)
	var cs []linkCase
	add := func(name string, lt LinkType, g dgram, frame []byte, netOff int, noRef bool) {
		cs = append(cs, linkCase{name: name, lt: lt, frame: frame, want: g.want(netOff), noRef: noRef, netOff: netOff})
	}
	for _, ip := range []struct {
		name string
		g    dgram
		b    []byte
	}{{"ipv4", v4, ip4}, {"ipv6", v6, ip6}} {
		g, b := ip.g, ip.b
		add("ethernet/"+ip.name, LinkEthernet, g, ethernet(t, b, g.v6), 14, false)
		add("ethernet/802.1Q/"+ip.name, LinkEthernet, g, ethernet(t, b, g.v6, etherVLAN), 18, false)
		add("ethernet/QinQ-88a8/"+ip.name, LinkEthernet, g, ethernet(t, b, g.v6, etherQinQ, etherVLAN), 22, false)
		add("ethernet/QinQ-9100/"+ip.name, LinkEthernet, g, ethernet(t, b, g.v6, etherQinQ2, etherVLAN), 22, true)
		add("ethernet/8-tags/"+ip.name, LinkEthernet, g, ethernet(t, b, g.v6, etherQinQ, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN), 46, false)
		add("linux_sll/"+ip.name, LinkLinuxSLL, g, sll(b, g.v6), 16, false)
		add("linux_sll2/"+ip.name, LinkLinuxSLL2, g, sll2(b, g.v6), 20, false)
		add("raw/"+ip.name, LinkRaw, g, b, 0, false)
	}
	add("ipv4", LinkIPv4, v4, ip4, 0, false)
	add("ipv6", LinkIPv6, v6, ip6, 0, false)
	add("null/le/af2", LinkNull, v4, null(ip4, 2, binary.LittleEndian), 4, false)
	add("null/be/af2", LinkNull, v4, null(ip4, 2, binary.BigEndian), 4, false)
	add("loop/af2", LinkLoop, v4, null(ip4, 2, binary.BigEndian), 4, false)
	add("loop/af24", LinkLoop, v6, null(ip6, 24, binary.BigEndian), 4, false)
	for _, af := range []uint32{10, 24, 28, 30} {
		add(fmt.Sprintf("null/le/af%d", af), LinkNull, v6, null(ip6, af, binary.LittleEndian), 4, af == 10)
		add(fmt.Sprintf("null/be/af%d", af), LinkNull, v6, null(ip6, af, binary.BigEndian), 4, af == 10)
	}
	return cs
}

func TestDecodeLinkTypes(t *testing.T) {
	for _, tc := range linkCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			var got UDP
			k, err := d.Decode(tc.lt, tc.frame, t0, &got)
			if k != KindUDP || err != nil {
				t.Fatalf("Decode = %v, %v; want udp, nil", k, err)
			}
			if diff := diffUDP(tc.want, got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
			if !tc.noRef {
				ref, ok := reference(tc.lt, tc.frame)
				if !ok {
					t.Fatalf("gopacket found no UDP in the frame")
				}
				ref.NetworkOffset, ref.TransportOffset = got.NetworkOffset, got.TransportOffset
				if diff := diffUDP(ref, got); diff != "" {
					t.Errorf("Decode against gopacket (-gopacket +got):\n%s", diff)
				}
			}
			// The offsets point at the headers in the frame.
			if got.IPv6 && tc.frame[got.NetworkOffset]>>4 != 6 || !got.IPv6 && tc.frame[got.NetworkOffset]>>4 != 4 {
				t.Errorf("frame[NetworkOffset=%d] = %#x, not an IP header", got.NetworkOffset, tc.frame[got.NetworkOffset])
			}
			if p := binary.BigEndian.Uint16(tc.frame[got.TransportOffset+2:]); p != got.DstPort {
				t.Errorf("destination port at TransportOffset+2 = %d, want %d", p, got.DstPort)
			}
			if s := d.Stats(); s.Packets != 1 || s.UDP != 1 {
				t.Errorf("Stats = %+v, want 1 packet, 1 udp", s)
			}
		})
	}
}

// TestDecodeTruncated cuts every valid frame at every length: each prefix
// is malformed with ErrTruncated, and nothing panics.
func TestDecodeTruncated(t *testing.T) {
	cases := linkCases(t)
	cases = append(cases,
		linkCase{name: "ipv6-extensions", lt: LinkRaw, frame: dgram{v6: true, sport: 1, dport: 2, payload: []byte("abcd"), ext: []byte{protoHopByHop, protoRouting, protoDestOpts, protoAH}}.ip(t)},
		linkCase{name: "ipv4-options", lt: LinkRaw, frame: dgram{sport: 1, dport: 2, payload: []byte("abcd"), ipOptions: 3}.ip(t)},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			var got UDP
			if k, err := d.Decode(tc.lt, tc.frame, t0, &got); k != KindUDP {
				t.Fatalf("Decode(whole frame) = %v, %v", k, err)
			}
			end := got.TransportOffset + 8 + len(got.Payload) // Ethernet padding may follow
			for n := range end {
				k, err := d.Decode(tc.lt, tc.frame[:n], t0, &got)
				if k != KindMalformed || !errors.Is(err, ErrTruncated) {
					t.Errorf("Decode(frame[:%d]) = %v, %v; want malformed, ErrTruncated", n, k, err)
				}
			}
		})
	}
}

func TestDecodeIPv6Extensions(t *testing.T) {
	tests := []struct {
		name string
		ext  []byte
	}{
		{"hop-by-hop", []byte{protoHopByHop}},
		{"routing", []byte{protoRouting}},
		{"destination-options", []byte{protoDestOpts}},
		{"authentication", []byte{protoAH}},
		{"chain-of-four", []byte{protoHopByHop, protoDestOpts, protoRouting, protoDestOpts}},
		{"chain-of-eight", []byte{protoHopByHop, protoDestOpts, protoRouting, protoAH, protoDestOpts, protoDestOpts, protoDestOpts, protoDestOpts}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := dgram{v6: true, sport: 7078, dport: 7080, payload: []byte("payload behind extensions"), ext: tc.ext}
			frame := ethernet(t, g.ip(t), true)
			var d Decoder
			var got UDP
			if k, err := d.Decode(LinkEthernet, frame, t0, &got); k != KindUDP || err != nil {
				t.Fatalf("Decode = %v, %v; want udp, nil", k, err)
			}
			if diff := diffUDP(g.want(14), got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
			ref, ok := reference(LinkEthernet, frame)
			if !ok {
				t.Fatalf("gopacket found no UDP")
			}
			if !bytes.Equal(ref.Payload, got.Payload) || ref.DstPort != got.DstPort {
				t.Errorf("gopacket found port %d payload %q, decoder port %d payload %q", ref.DstPort, ref.Payload, got.DstPort, got.Payload)
			}
		})
	}
}

// TestDecodeAtomicFragment: an IPv6 fragment header with offset 0 and no
// more fragments (RFC 6946) wraps a whole datagram.
func TestDecodeAtomicFragment(t *testing.T) {
	g := dgram{v6: true, sport: 1, dport: 2, payload: []byte("whole")}
	ip := g.ip(t)
	// Insert a fragment header (offset 0, M=0) between IPv6 and UDP.
	frag := []byte{protoUDP, 0, 0, 0, 0, 0, 0x12, 0x34}
	b := append(append(append([]byte(nil), ip[:40]...), frag...), ip[40:]...)
	b[6] = protoFragment
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40))
	for _, reassemble := range []bool{false, true} {
		t.Run(fmt.Sprintf("reassemble=%v", reassemble), func(t *testing.T) {
			d := NewDecoder(DecoderConfig{Reassemble: reassemble})
			var got UDP
			if k, err := d.Decode(LinkRaw, b, t0, &got); k != KindUDP || err != nil {
				t.Fatalf("Decode = %v, %v; want udp, nil", k, err)
			}
			want := g.want(0)
			want.TransportOffset += 8
			if diff := diffUDP(want, got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
			if s := d.Stats(); s.Fragments != 0 {
				t.Errorf("Stats.Fragments = %d, want 0", s.Fragments)
			}
		})
	}
}

func TestDecodePaddingAndOffload(t *testing.T) {
	g := dgram{sport: 10000, dport: 20000, payload: []byte("hi")}
	ip := g.ip(t)
	t.Run("ethernet-padding-trimmed", func(t *testing.T) {
		frame := ethernet(t, ip, false)
		frame = append(frame, make([]byte, 60-len(frame))...) // minimum frame size
		var got UDP
		if k, err := new(Decoder).Decode(LinkEthernet, frame, t0, &got); k != KindUDP || err != nil {
			t.Fatalf("Decode = %v, %v", k, err)
		}
		if diff := diffUDP(g.want(14), got); diff != "" {
			t.Errorf("Decode (-want +got):\n%s", diff)
		}
	})
	t.Run("udp-length-shorter-than-ip-payload", func(t *testing.T) {
		b := bytes.Clone(ip)
		binary.BigEndian.PutUint16(b[24:], 9) // UDP length: 1 byte of payload
		var got UDP
		if k, err := new(Decoder).Decode(LinkRaw, b, t0, &got); k != KindUDP || err != nil {
			t.Fatalf("Decode = %v, %v", k, err)
		}
		if string(got.Payload) != "h" || cap(got.Payload) != 1 {
			t.Errorf("Payload = %q (cap %d), want %q (cap 1)", got.Payload, cap(got.Payload), "h")
		}
	})
	t.Run("ipv4-total-length-zero-offload", func(t *testing.T) {
		b := bytes.Clone(ip)
		binary.BigEndian.PutUint16(b[2:], 0)
		var got UDP
		if k, err := new(Decoder).Decode(LinkRaw, b, t0, &got); k != KindUDP || err != nil {
			t.Fatalf("Decode = %v, %v", k, err)
		}
		if diff := diffUDP(g.want(0), got); diff != "" {
			t.Errorf("Decode (-want +got):\n%s", diff)
		}
	})
	t.Run("bad-ipv4-checksum-accepted", func(t *testing.T) {
		b := bytes.Clone(ip)
		b[10] ^= 0xff
		var got UDP
		if k, err := new(Decoder).Decode(LinkRaw, b, t0, &got); k != KindUDP || err != nil {
			t.Fatalf("Decode = %v, %v", k, err)
		}
	})
}

func TestDecodeNotUDP(t *testing.T) {
	ip4 := dgram{sport: 1, dport: 2, payload: []byte("x")}.ip(t)
	tcp4 := bytes.Clone(ip4)
	tcp4[9] = 6
	ip6 := dgram{v6: true, sport: 1, dport: 2, payload: []byte("x")}.ip(t)
	icmp6 := bytes.Clone(ip6)
	icmp6[6] = 58
	esp6 := dgram{v6: true, sport: 1, dport: 2, payload: []byte("x"), ext: []byte{protoDestOpts}}.ip(t)
	esp6[40] = 50 // destination options lead to ESP
	fragTCP4 := bytes.Clone(tcp4)
	fragTCP4[6] = 0x20 // more fragments
	arp := ethernet(t, make([]byte, 28), false)
	arp[12], arp[13] = 0x08, 0x06
	tests := []struct {
		name  string
		lt    LinkType
		frame []byte
		want  Kind
		err   error
	}{
		{"tcp", LinkRaw, tcp4, KindNotUDP, nil},
		{"icmpv6", LinkRaw, icmp6, KindNotUDP, nil},
		{"esp-after-extension", LinkRaw, esp6, KindNotUDP, nil},
		{"tcp-fragment", LinkRaw, fragTCP4, KindNotUDP, nil},
		{"arp", LinkEthernet, arp, KindNotIP, nil},
		{"null-af-unknown", LinkNull, null(ip4, 7, binary.LittleEndian), KindNotIP, nil},
		{"loop-little-endian-af2", LinkLoop, null(ip4, 2, binary.LittleEndian), KindNotIP, nil},
		{"raw-version-5", LinkRaw, []byte{0x50, 1, 2, 3}, KindNotIP, nil},
		{"sll-empty", LinkLinuxSLL, nil, KindMalformed, ErrTruncated},
		{"unsupported-link", LinkType(147), ip4, KindNotIP, ErrLinkType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			var got UDP
			k, err := d.Decode(tc.lt, tc.frame, t0, &got)
			if k != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Errorf("Decode = %v, %v; want %v, %v", k, err, tc.want, tc.err)
			}
			if k == KindNotUDP && got.SrcAddr().Addr() != src4 && got.SrcAddr().Addr() != src6 {
				t.Errorf("SrcAddr = %v, want the packet's source", got.SrcAddr())
			}
		})
	}
}

func TestDecodeMalformed(t *testing.T) {
	ip4 := dgram{sport: 1, dport: 2, payload: []byte("0123456789abcdef0123")}.ip(t)
	ip6 := dgram{v6: true, sport: 1, dport: 2, payload: []byte("x")}.ip(t)
	mod := func(b []byte, f func(b []byte)) []byte { b = bytes.Clone(b); f(b); return b }
	nine := ethernet(t, ip4, false, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN, etherVLAN)
	nineExt := dgram{v6: true, sport: 1, dport: 2, ext: []byte{0, 60, 60, 60, 60, 60, 60, 60, 60}}.ip(t)
	tests := []struct {
		name  string
		lt    LinkType
		frame []byte
		err   error
		msg   string
	}{
		{"ipv4-ihl-beyond-packet", LinkRaw, mod(ip4[:40], func(b []byte) { b[0] = 0x4f }), ErrTruncated, "ipv4: header length 60 exceeds packet length 40: packet truncated"},
		{"ipv4-ihl-below-5", LinkRaw, mod(ip4, func(b []byte) { b[0] = 0x44 }), ErrInvalid, "ipv4: header length 16 below the minimum 20: invalid header"},
		{"ipv4-total-length-beyond-packet", LinkRaw, mod(ip4, func(b []byte) { binary.BigEndian.PutUint16(b[2:], 1500) }), ErrTruncated, "ipv4: total length 1500 exceeds packet length 48: packet truncated"},
		{"ipv4-total-length-below-header", LinkRaw, mod(ip4, func(b []byte) { binary.BigEndian.PutUint16(b[2:], 19) }), ErrInvalid, "ipv4: total length 19 below header length 20: invalid header"},
		{"ipv4-version-6-in-ipv4-link", LinkIPv4, ip6, ErrInvalid, "ipv4: version 6: invalid header"},
		{"ipv6-version-4-in-ipv6-link", LinkIPv6, append(bytes.Clone(ip4), make([]byte, 20)...), ErrInvalid, "ipv6: version 4: invalid header"},
		{"ipv6-payload-length-beyond-packet", LinkRaw, mod(ip6, func(b []byte) { binary.BigEndian.PutUint16(b[4:], 100) }), ErrTruncated, "ipv6: payload length 100 exceeds packet payload 9: packet truncated"},
		{"udp-length-beyond-payload", LinkRaw, mod(ip4, func(b []byte) { binary.BigEndian.PutUint16(b[24:], 29) }), ErrTruncated, "udp: length 29 exceeds ip payload 28: packet truncated"},
		{"udp-length-below-8", LinkRaw, mod(ip4, func(b []byte) { binary.BigEndian.PutUint16(b[24:], 7) }), ErrInvalid, "udp: length 7 below the header size 8: invalid header"},
		{"nine-vlan-tags", LinkEthernet, nine, ErrInvalid, "vlan: more than 8 tags: invalid header"},
		{"nine-extension-headers", LinkRaw, nineExt, ErrInvalid, "ipv6: more than 8 extension headers: invalid header"},
		{"ipv4-fragment-not-multiple-of-8", LinkRaw, mod(ip4, func(b []byte) { b[6] = 0x20 }), ErrInvalid, "ipv4: fragment of 28 bytes is not the last but not a multiple of 8: invalid header"},
		{"ipv4-fragment-beyond-64k", LinkRaw, mod(ip4, func(b []byte) { b[6], b[7] = 0x1f, 0xff }), ErrInvalid, "ipv4: fragment of 28 bytes at offset 65528 ends beyond byte 65515: invalid header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(DecoderConfig{Reassemble: true})
			var got UDP
			k, err := d.Decode(tc.lt, tc.frame, t0, &got)
			if k != KindMalformed || !errors.Is(err, tc.err) {
				t.Fatalf("Decode = %v, %v; want malformed, %v", k, err, tc.err)
			}
			if err.Error() != tc.msg {
				t.Errorf("error = %q, want %q", err, tc.msg)
			}
			if s := d.Stats(); s.Malformed != 1 || s.Fragments != 0 {
				t.Errorf("Stats = %+v, want 1 malformed, 0 fragments", s)
			}
		})
	}
}

// TestDecodeAgainstGopacket decodes random valid frames (random link
// types, VLAN stacks, IPv4 options, IPv6 extension chains, payload sizes)
// and compares with gopacket's decoding of the same bytes.
func TestDecodeAgainstGopacket(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exts := []byte{protoHopByHop, protoRouting, protoDestOpts, protoAH}
	var d Decoder
	var got UDP
	for i := range 2000 {
		g := dgram{v6: rng.IntN(2) == 0, sport: uint16(rng.Uint32()), dport: uint16(rng.Uint32()), payload: make([]byte, rng.IntN(1400))}
		for j := range g.payload {
			g.payload[j] = byte(rng.Uint32())
		}
		if g.v6 {
			for range rng.IntN(4) {
				g.ext = append(g.ext, exts[rng.IntN(len(exts))])
			}
		} else {
			g.ipOptions = rng.IntN(11)
		}
		ip := g.ip(t)
		var lt LinkType
		var frame []byte
		switch rng.IntN(6) {
		case 0:
			lt, frame = LinkEthernet, ethernet(t, ip, g.v6)
		case 1:
			tags := []uint16{etherVLAN, etherQinQ}[:rng.IntN(3)]
			lt, frame = LinkEthernet, ethernet(t, ip, g.v6, tags...)
		case 2:
			lt, frame = LinkLinuxSLL, sll(ip, g.v6)
		case 3:
			lt, frame = LinkLinuxSLL2, sll2(ip, g.v6)
		case 4:
			af := uint32(2)
			if g.v6 {
				af = 28
			}
			lt, frame = LinkNull, null(ip, af, binary.LittleEndian)
		case 5:
			lt, frame = LinkRaw, ip
		}
		k, err := d.Decode(lt, frame, t0, &got)
		ref, ok := reference(lt, frame)
		if !ok || k != KindUDP || err != nil {
			t.Fatalf("case %d (%v, %d bytes): Decode = %v, %v; gopacket found udp: %v", i, lt, len(frame), k, err, ok)
		}
		ref.NetworkOffset, ref.TransportOffset = got.NetworkOffset, got.TransportOffset
		if diff := diffUDP(ref, got); diff != "" {
			t.Fatalf("case %d (%v): (-gopacket +got):\n%s", i, lt, diff)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	frames := map[string]struct {
		lt    LinkType
		frame []byte
	}{
		"ethernet-ipv4":      {LinkEthernet, ethernet(t, dgram{sport: 1, dport: 2, payload: make([]byte, 160)}.ip(t), false)},
		"ethernet-vlan-ipv6": {LinkEthernet, ethernet(t, dgram{v6: true, sport: 1, dport: 2, payload: make([]byte, 160), ext: []byte{protoHopByHop}}.ip(t), true, etherVLAN)},
		"raw-ipv6":           {LinkRaw, dgram{v6: true, sport: 1, dport: 2, payload: make([]byte, 160)}.ip(t)},
	}
	for name, f := range frames {
		t.Run(name, func(t *testing.T) {
			d := NewDecoder(DecoderConfig{Reassemble: true})
			var out UDP
			allocs := testing.AllocsPerRun(1000, func() {
				if k, err := d.Decode(f.lt, f.frame, t0, &out); k != KindUDP || err != nil {
					t.Fatalf("Decode = %v, %v", k, err)
				}
			})
			if allocs != 0 {
				t.Errorf("Decode allocates %v times per packet, want 0", allocs)
			}
		})
	}
}

func TestUDPAddr(t *testing.T) {
	mapped := netip.MustParseAddr("::ffff:192.0.2.9")
	u := UDP{Src: src4.As16(), Dst: mapped.As16(), SrcPort: 1, DstPort: 2}
	if got, want := u.SrcAddr().String(), "192.0.2.1:1"; got != want {
		t.Errorf("SrcAddr = %s, want %s", got, want)
	}
	u.IPv6 = true // a v4-mapped address in an IPv6 header stays mapped
	if got, want := u.DstAddr().String(), "[::ffff:192.0.2.9]:2"; got != want {
		t.Errorf("DstAddr = %s, want %s", got, want)
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{LinkNull.String(), "null"}, {LinkEthernet.String(), "ethernet"}, {LinkRaw.String(), "raw"},
		{LinkLoop.String(), "loop"}, {LinkLinuxSLL.String(), "linux_sll"}, {LinkIPv4.String(), "ipv4"},
		{LinkIPv6.String(), "ipv6"}, {LinkLinuxSLL2.String(), "linux_sll2"}, {LinkType(147).String(), "linktype(147)"},
		{KindUDP.String(), "udp"}, {KindNotIP.String(), "not-ip"}, {KindNotUDP.String(), "not-udp"},
		{KindFragment.String(), "fragment"}, {KindMalformed.String(), "malformed"}, {Kind(0).String(), "kind(0)"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("String() = %q, want %q", tc.got, tc.want)
			}
		})
	}
}
