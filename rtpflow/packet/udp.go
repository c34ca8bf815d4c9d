package packet

import "net/netip"

// UDP is a decoded UDP datagram with the addresses of the IP packet that
// carried it. Decode resets it on every call.
type UDP struct {
	// Src and Dst are the IP addresses. IPv4 addresses are stored
	// IPv4-mapped (::ffff:a.b.c.d), so that a UDP fits a comparable key.
	Src, Dst [16]byte
	// SrcPort and DstPort are the UDP ports.
	SrcPort, DstPort uint16
	// IPv6 tells whether the datagram came in IPv6.
	IPv6 bool
	// Payload is the UDP payload, trimmed to the UDP length field (Ethernet
	// padding removed). It aliases the frame passed to Decode, or, when
	// Reassembled, the Decoder's reassembly buffer; either way it is valid
	// until the next call to Decode. Its capacity ends with it, so an append
	// never writes into the bytes after it.
	Payload []byte
	// NetworkOffset is the offset of the IP header in the frame, for
	// rewriting in place; -1 when Reassembled.
	NetworkOffset int
	// TransportOffset is the offset of the UDP header in the frame; -1 when
	// Reassembled.
	TransportOffset int
	// Reassembled tells that the datagram was put together from IP
	// fragments; the offsets then point nowhere.
	Reassembled bool
}

// SrcAddr returns the source address and port; IPv4 addresses are unmapped.
// A v4-mapped address carried in an IPv6 header stays as it is.
func (u *UDP) SrcAddr() netip.AddrPort {
	return netip.AddrPortFrom(addr(u.Src, u.IPv6), u.SrcPort)
}

// DstAddr returns the destination address and port; IPv4 addresses are
// unmapped.
func (u *UDP) DstAddr() netip.AddrPort {
	return netip.AddrPortFrom(addr(u.Dst, u.IPv6), u.DstPort)
}

func addr(a [16]byte, v6 bool) netip.Addr {
	ip := netip.AddrFrom16(a)
	if !v6 {
		ip = ip.Unmap()
	}
	return ip
}
