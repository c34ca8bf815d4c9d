package packet

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// This file builds test frames. IP and UDP headers come from gopacket's
// serializers, an implementation independent of the decoder under test;
// link headers gopacket cannot write (Linux cooked v1/v2, BSD loopback in
// both byte orders) are laid out by hand from their specifications.

var (
	src4 = netip.MustParseAddr("192.0.2.1")
	dst4 = netip.MustParseAddr("198.51.100.2")
	src6 = netip.MustParseAddr("2001:db8::1")
	dst6 = netip.MustParseAddr("2001:db8::2:3")
)

// dgram describes an IP packet carrying one UDP datagram.
type dgram struct {
	v6           bool
	sport, dport uint16
	payload      []byte
	ipOptions    int    // IPv4: words (4 bytes) of NOP options
	ext          []byte // IPv6: extension header types, in order, before UDP
	id           uint16
}

func (g dgram) addrs() (netip.Addr, netip.Addr) {
	if g.v6 {
		return src6, dst6
	}
	return src4, dst4
}

// serialize runs gopacket's serializer with lengths and checksums fixed.
func serialize(tb testing.TB, ls ...gopacket.SerializableLayer) []byte {
	tb.Helper()
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
		tb.Fatalf("serialize: %v", err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// extHeader lays out an IPv6 extension header of type typ followed by nh:
// 8 bytes of padding options (hop-by-hop, destination options), an empty
// experimental routing header, or a 24-byte authentication header.
func extHeader(typ, nh byte) []byte {
	switch typ {
	case protoAH:
		h := make([]byte, 24)
		h[0], h[1] = nh, 4                        // (4+2)*4 = 24 bytes
		binary.BigEndian.PutUint32(h[4:], 0x1000) // SPI
		return h
	case protoRouting:
		return []byte{nh, 0, 253, 0, 0, 0, 0, 0}
	}
	return []byte{nh, 0, 1, 4, 0, 0, 0, 0} // PadN of 4 bytes of data
}

// ipLayers returns the IP layer (with any extension headers as a raw
// layer) and the UDP layer for g.
func (g dgram) ipLayers() ([]gopacket.SerializableLayer, *layers.UDP) {
	s, d := g.addrs()
	u := &layers.UDP{SrcPort: layers.UDPPort(g.sport), DstPort: layers.UDPPort(g.dport)}
	if !g.v6 {
		ip := &layers.IPv4{Version: 4, TTL: 64, Id: g.id, Protocol: layers.IPProtocolUDP, SrcIP: net.IP(s.AsSlice()), DstIP: net.IP(d.AsSlice())}
		for range g.ipOptions * 4 {
			ip.Options = append(ip.Options, layers.IPv4Option{OptionType: 1, OptionLength: 1})
		}
		_ = u.SetNetworkLayerForChecksum(ip)
		return []gopacket.SerializableLayer{ip}, u
	}
	ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: net.IP(s.AsSlice()), DstIP: net.IP(d.AsSlice())}
	_ = u.SetNetworkLayerForChecksum(ip)
	ls := []gopacket.SerializableLayer{ip}
	if len(g.ext) > 0 {
		ip.NextHeader = layers.IPProtocol(g.ext[0])
		var raw []byte
		for i, typ := range g.ext {
			nh := byte(protoUDP)
			if i+1 < len(g.ext) {
				nh = g.ext[i+1]
			}
			raw = append(raw, extHeader(typ, nh)...)
		}
		ls = append(ls, gopacket.Payload(raw))
	}
	return ls, u
}

// ip returns the IP packet for g.
func (g dgram) ip(tb testing.TB) []byte {
	ls, u := g.ipLayers()
	return serialize(tb, append(ls, u, gopacket.Payload(g.payload))...)
}

// udpBytes returns the UDP header and payload of g, checksummed for g's
// addresses: what fragments carry between them.
func (g dgram) udpBytes(tb testing.TB) []byte {
	ls, u := g.ipLayers()
	whole := serialize(tb, append(ls, u, gopacket.Payload(g.payload))...)
	return whole[len(whole)-8-len(g.payload):]
}

// want returns the UDP the decoder should produce for g at netOff.
func (g dgram) want(netOff int) UDP {
	s, d := g.addrs()
	hl := 20 + 4*g.ipOptions
	if g.v6 {
		hl = 40
		for _, typ := range g.ext {
			hl += len(extHeader(typ, 0))
		}
	}
	return UDP{
		Src: s.As16(), Dst: d.As16(), SrcPort: g.sport, DstPort: g.dport, IPv6: g.v6,
		Payload: g.payload, NetworkOffset: netOff, TransportOffset: netOff + hl,
	}
}

func etherTypeOf(v6 bool) uint16 {
	if v6 {
		return etherIPv6
	}
	return etherIPv4
}

// ethernet wraps ip in an Ethernet header with the given VLAN tag types,
// outermost first.
func ethernet(tb testing.TB, ip []byte, v6 bool, tags ...uint16) []byte {
	eth := &layers.Ethernet{
		SrcMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 1},
		DstMAC:       net.HardwareAddr{0x02, 0, 0, 0, 0, 2},
		EthernetType: layers.EthernetType(etherTypeOf(v6)),
	}
	ls := []gopacket.SerializableLayer{eth}
	next := &eth.EthernetType
	for i, tag := range tags {
		*next = layers.EthernetType(tag)
		q := &layers.Dot1Q{VLANIdentifier: uint16(100 + i), Type: layers.EthernetType(etherTypeOf(v6))}
		ls = append(ls, q)
		next = &q.Type
	}
	return serialize(tb, append(ls, gopacket.Payload(ip))...)
}

// sll wraps ip in a Linux cooked v1 header (packet type, ARPHRD, address
// length, 8 address bytes, protocol).
func sll(ip []byte, v6 bool) []byte {
	h := make([]byte, 16, 16+len(ip))
	binary.BigEndian.PutUint16(h[0:], 0) // to us
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6)
	copy(h[6:], []byte{0x02, 0, 0, 0, 0, 1})
	binary.BigEndian.PutUint16(h[14:], etherTypeOf(v6))
	return append(h, ip...)
}

// sll2 wraps ip in a Linux cooked v2 header (protocol, reserved, ifindex,
// ARPHRD, packet type, address length, 8 address bytes).
func sll2(ip []byte, v6 bool) []byte {
	h := make([]byte, 20, 20+len(ip))
	binary.BigEndian.PutUint16(h[0:], etherTypeOf(v6))
	binary.BigEndian.PutUint32(h[4:], 3) // ifindex
	binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
	h[10], h[11] = 4, 6                  // outgoing, 6 address bytes
	copy(h[12:], []byte{0x02, 0, 0, 0, 0, 1})
	return append(h, ip...)
}

// null wraps ip in a BSD loopback header holding af in byte order bo.
func null(ip []byte, af uint32, bo binary.AppendByteOrder) []byte {
	h := bo.AppendUint32(make([]byte, 0, 4+len(ip)), af)
	return append(h, ip...)
}

// reference decodes frame with gopacket and returns what it found as a UDP
// (addresses, ports and payload only), or false when it found no UDP.
func reference(lt LinkType, frame []byte) (UDP, bool) {
	var first gopacket.Decoder
	switch lt {
	case LinkEthernet:
		first = layers.LayerTypeEthernet
	case LinkLinuxSLL:
		first = layers.LayerTypeLinuxSLL
	case LinkLinuxSLL2:
		first = layers.LinkTypeLinuxSLL2
	case LinkNull, LinkLoop:
		first = layers.LayerTypeLoopback
	case LinkRaw, LinkIPv4, LinkIPv6:
		first = layers.LayerTypeIPv4
		if len(frame) > 0 && frame[0]>>4 == 6 {
			first = layers.LayerTypeIPv6
		}
	}
	p := gopacket.NewPacket(frame, first, gopacket.DecodeOptions{NoCopy: true})
	u, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP)
	if !ok || p.NetworkLayer() == nil {
		return UDP{}, false
	}
	var got UDP
	s, _ := netip.AddrFromSlice(p.NetworkLayer().NetworkFlow().Src().Raw())
	d, _ := netip.AddrFromSlice(p.NetworkLayer().NetworkFlow().Dst().Raw())
	got.Src, got.Dst = s.As16(), d.As16()
	got.IPv6 = s.Is6()
	got.SrcPort, got.DstPort = uint16(u.SrcPort), uint16(u.DstPort)
	got.Payload = u.Payload
	return got, true
}
