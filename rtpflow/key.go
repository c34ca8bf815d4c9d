package rtpflow

import (
	"fmt"
	"net/netip"
)

// Key identifies a stream: source and destination address and port, and the
// RTP synchronisation source. It is a packed comparable value, used directly
// as a map key. IPv4 addresses are stored IPv4-mapped (::ffff:a.b.c.d).
type Key struct {
	Src, Dst         [16]byte
	SrcPort, DstPort uint16
	SSRC             uint32
}

// equal is k == *o, field by field: the compiler compares each 16-byte
// address inline, where a whole-Key comparison calls memequal.
func (k *Key) equal(o *Key) bool {
	return k.SSRC == o.SSRC && k.SrcPort == o.SrcPort && k.DstPort == o.DstPort && k.Src == o.Src && k.Dst == o.Dst
}

// SrcAddr returns the source address and port (IPv4 unmapped).
func (k Key) SrcAddr() netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16(k.Src).Unmap(), k.SrcPort)
}

// DstAddr returns the destination address and port (IPv4 unmapped).
func (k Key) DstAddr() netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16(k.Dst).Unmap(), k.DstPort)
}

// String formats the key as "src -> dst ssrc=0x...".
func (k Key) String() string {
	return fmt.Sprintf("%s -> %s ssrc=%#08x", k.SrcAddr(), k.DstAddr(), k.SSRC)
}

// flowKey is a Key without the SSRC: one UDP flow, possibly several streams.
type flowKey struct {
	Src, Dst         [16]byte
	SrcPort, DstPort uint16
}
