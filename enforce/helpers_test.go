package enforce

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/pion/rtp"

	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// rtpSpec describes an RTP packet for the tests; built with pion/rtp, so
// that the package's own header walk is checked against another's writer.
type rtpSpec struct {
	pt      uint8
	seq     uint16
	ts      uint32
	ssrc    uint32
	marker  bool
	csrc    []uint32
	ext     []byte // one-byte header extension element (id 1), if any
	padding byte
	payload []byte
}

func (s rtpSpec) marshal(tb testing.TB) []byte {
	tb.Helper()
	p := rtp.Packet{Header: rtp.Header{
		Version: 2, Marker: s.marker, PayloadType: s.pt, SequenceNumber: s.seq,
		Timestamp: s.ts, SSRC: s.ssrc, CSRC: s.csrc,
	}, Payload: s.payload}
	if s.ext != nil {
		p.Header.Extension = true
		p.Header.ExtensionProfile = 0xBEDE
		if err := p.Header.SetExtension(1, s.ext); err != nil {
			tb.Fatal(err)
		}
	}
	if s.padding > 0 {
		p.Header.Padding = true
		p.Header.PaddingSize = s.padding
	}
	b, err := p.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// audio returns n bytes that are neither silence nor tone.
func audio(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(0x20 + i%0x40)
	}
	return b
}

// endpoint pair for the tests.
type flow struct {
	src, dst netip.AddrPort
}

var (
	flow4 = flow{netip.MustParseAddrPort("192.0.2.1:4000"), netip.MustParseAddrPort("192.0.2.2:30000")}
	flow6 = flow{netip.MustParseAddrPort("[2001:db8::1]:4000"), netip.MustParseAddrPort("[2001:db8::2]:30000")}
)

// ipPacket wraps payload in UDP and IPv4 or IPv6 (by f's addresses) with
// gopacket, checksums computed; zeroSum clears the UDP checksum afterwards
// (IPv4's "no checksum").
func ipPacket(tb testing.TB, f flow, payload []byte, zeroSum bool) []byte {
	tb.Helper()
	udp := &layers.UDP{SrcPort: layers.UDPPort(f.src.Port()), DstPort: layers.UDPPort(f.dst.Port())}
	var ip gopacket.SerializableLayer
	if f.src.Addr().Is4() {
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Id: 0x1234, Flags: layers.IPv4DontFragment, Protocol: layers.IPProtocolUDP,
			SrcIP: f.src.Addr().AsSlice(), DstIP: f.dst.Addr().AsSlice()}
		if err := udp.SetNetworkLayerForChecksum(ip4); err != nil {
			tb.Fatal(err)
		}
		ip = ip4
	} else {
		ip6 := &layers.IPv6{Version: 6, HopLimit: 64, FlowLabel: 0x12345, NextHeader: layers.IPProtocolUDP,
			SrcIP: f.src.Addr().AsSlice(), DstIP: f.dst.Addr().AsSlice()}
		if err := udp.SetNetworkLayerForChecksum(ip6); err != nil {
			tb.Fatal(err)
		}
		ip = ip6
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, ip, udp, gopacket.Payload(payload)); err != nil {
		tb.Fatal(err)
	}
	b := append([]byte(nil), buf.Bytes()...)
	if zeroSum {
		off := udpOffset(b)
		b[off+6], b[off+7] = 0, 0
	}
	return b
}

// udpOffset returns the offset of the UDP header of a test packet (no IP
// options, no IPv6 extension headers).
func udpOffset(b []byte) int {
	if b[0]>>4 == 6 {
		return 40
	}
	return int(b[0]&0x0f) * 4
}

// decodeRaw decodes a raw IP packet as the daemon does.
func decodeRaw(tb testing.TB, b []byte) packet.UDP {
	tb.Helper()
	var u packet.UDP
	var d packet.Decoder
	if k, err := d.Decode(packet.LinkRaw, b, t0, &u); k != packet.KindUDP {
		tb.Fatalf("decode: %v, %v", k, err)
	}
	return u
}

// keyOf is the rtpflow key of a test packet.
func keyOf(f flow, ssrc uint32) rtpflow.Key {
	return rtpflow.Key{Src: f.src.Addr().As16(), Dst: f.dst.Addr().As16(),
		SrcPort: f.src.Port(), DstPort: f.dst.Port(), SSRC: ssrc}
}

// gopacketChecksum reports gopacket's verdict on the UDP checksum of a raw
// IP packet.
func gopacketChecksum(tb testing.TB, b []byte) gopacket.ChecksumVerificationResult {
	tb.Helper()
	first := layers.LayerTypeIPv4
	if b[0]>>4 == 6 {
		first = layers.LayerTypeIPv6
	}
	p := gopacket.NewPacket(b, first, gopacket.Default)
	udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok {
		tb.Fatalf("gopacket finds no UDP layer: %v", p.ErrorLayer())
	}
	if err := udp.SetNetworkLayerForChecksum(p.NetworkLayer()); err != nil {
		tb.Fatal(err)
	}
	err, res := udp.VerifyChecksum()
	if err != nil {
		tb.Fatal(err)
	}
	return res
}

// rfc1071OK checks the UDP checksum of a raw IP packet (no options or
// extension headers) the slow, obvious way: build the pseudo-header as
// bytes, add every 16-bit word, and expect all ones. A zero checksum is
// reported separately.
func rfc1071OK(b []byte) (ok, zero bool) {
	var pseudo []byte
	off := udpOffset(b)
	udpLen := int(binary.BigEndian.Uint16(b[off+4:]))
	if b[0]>>4 == 6 {
		pseudo = append(pseudo, b[8:40]...)
		pseudo = binary.BigEndian.AppendUint32(pseudo, uint32(udpLen))
		pseudo = append(pseudo, 0, 0, 0, 17)
	} else {
		pseudo = append(pseudo, b[12:20]...)
		pseudo = append(pseudo, 0, 17)
		pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(udpLen))
	}
	all := append(pseudo, b[off:off+udpLen]...)
	if len(all)%2 == 1 {
		all = append(all, 0)
	}
	var s uint32
	for i := 0; i < len(all); i += 2 {
		s += uint32(all[i])<<8 | uint32(all[i+1])
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return s == 0xffff, b[off+6] == 0 && b[off+7] == 0
}

func netip4(a netip.AddrPort, port uint16) netip.AddrPort { return netip.AddrPortFrom(a.Addr(), port) }

// int64ms is i milliseconds.
func int64ms(i int) time.Duration { return time.Duration(i) * time.Millisecond }
