package packet

import (
	"encoding/binary"
	"fmt"
)

// MaxExtensionHeaders is the longest chain of IPv6 extension headers a
// Decoder walks; a packet with more is invalid.
const MaxExtensionHeaders = 8

// IP protocol numbers.
const (
	protoHopByHop = 0
	protoUDP      = 17
	protoRouting  = 43
	protoFragment = 44
	protoAH       = 51
	protoDestOpts = 60
)

// ipv4 decodes the IPv4 packet at b[off:].
func (d *Decoder) ipv4(b []byte, off int, out *UDP) (Kind, error) {
	p := b[off:]
	if len(p) < 20 {
		return KindMalformed, fmt.Errorf("ipv4: header needs 20 bytes, have %d: %w", len(p), ErrTruncated)
	}
	if v := p[0] >> 4; v != 4 {
		return KindMalformed, fmt.Errorf("ipv4: version %d: %w", v, ErrInvalid)
	}
	hl := int(p[0]&0x0f) * 4
	if hl < 20 {
		return KindMalformed, fmt.Errorf("ipv4: header length %d below the minimum 20: %w", hl, ErrInvalid)
	}
	if hl > len(p) {
		return KindMalformed, fmt.Errorf("ipv4: header length %d exceeds packet length %d: %w", hl, len(p), ErrTruncated)
	}
	tl := int(binary.BigEndian.Uint16(p[2:4]))
	switch {
	case tl == 0:
		// Captured before TCP/UDP segmentation offload: the kernel leaves
		// the length for the NIC to fill. Take what was captured.
		tl = len(p)
	case tl < hl:
		return KindMalformed, fmt.Errorf("ipv4: total length %d below header length %d: %w", tl, hl, ErrInvalid)
	case tl > len(p):
		return KindMalformed, fmt.Errorf("ipv4: total length %d exceeds packet length %d: %w", tl, len(p), ErrTruncated)
	}
	out.NetworkOffset = off
	out.Src[10], out.Src[11] = 0xff, 0xff
	out.Dst[10], out.Dst[11] = 0xff, 0xff
	copy(out.Src[12:], p[12:16])
	copy(out.Dst[12:], p[16:20])
	proto := p[9]
	frag := binary.BigEndian.Uint16(p[6:8])
	more, fragOff := frag&0x2000 != 0, int(frag&0x1fff)*8
	if proto != protoUDP {
		return KindNotUDP, nil
	}
	if more || fragOff != 0 {
		d.frag = fragment{
			key:  fragKey{src: out.Src, dst: out.Dst, id: uint32(binary.BigEndian.Uint16(p[4:6])), proto: proto},
			off:  fragOff,
			data: p[hl:tl],
			more: more,
			nh:   protoUDP,
			max:  0xffff - hl,
		}
		return kindReassemble, nil
	}
	// udp, written out for the common case: one call less per packet.
	start := off + hl
	u := b[start : off+tl]
	if len(u) < 8 || int(binary.BigEndian.Uint16(u[4:6])) < 8 || int(binary.BigEndian.Uint16(u[4:6])) > len(u) {
		return udp(b, start, off+tl, out) // for its error
	}
	n := int(binary.BigEndian.Uint16(u[4:6]))
	out.SrcPort = binary.BigEndian.Uint16(u[0:2])
	out.DstPort = binary.BigEndian.Uint16(u[2:4])
	out.TransportOffset = start
	out.Payload = u[8:n:n]
	return KindUDP, nil
}

// ipv6 decodes the IPv6 packet at b[off:].
func (d *Decoder) ipv6(b []byte, off int, out *UDP) (Kind, error) {
	p := b[off:]
	if len(p) < 40 {
		return KindMalformed, fmt.Errorf("ipv6: header needs 40 bytes, have %d: %w", len(p), ErrTruncated)
	}
	if v := p[0] >> 4; v != 6 {
		return KindMalformed, fmt.Errorf("ipv6: version %d: %w", v, ErrInvalid)
	}
	end := 40 + int(binary.BigEndian.Uint16(p[4:6]))
	switch {
	case end == 40:
		// A jumbogram, or captured before segmentation offload: take what
		// was captured.
		end = len(p)
	case end > len(p):
		return KindMalformed, fmt.Errorf("ipv6: payload length %d exceeds packet payload %d: %w", end-40, len(p)-40, ErrTruncated)
	}
	p = p[:end]
	out.IPv6 = true
	out.NetworkOffset = off
	copy(out.Src[:], p[8:24])
	copy(out.Dst[:], p[24:40])
	nh, pos, hops := p[6], 40, 0
	for {
		var err error
		if nh, pos, err = skipExtensions(p, pos, nh, &hops); err != nil {
			return KindMalformed, err
		}
		switch nh {
		case protoUDP:
			return udp(b, off+pos, off+end, out)
		case protoFragment:
		default:
			return KindNotUDP, nil
		}
		if len(p) < pos+8 {
			return KindMalformed, fmt.Errorf("ipv6: fragment header needs 8 bytes at offset %d, have %d: %w", pos, len(p)-pos, ErrTruncated)
		}
		h := p[pos : pos+8]
		pos += 8
		fo := binary.BigEndian.Uint16(h[2:4])
		fragOff, more := int(fo&^7), fo&1 != 0
		if fragOff == 0 && !more {
			// An atomic fragment (RFC 6946): a whole packet.
			nh = h[0]
			continue
		}
		switch h[0] {
		case protoUDP, protoHopByHop, protoRouting, protoDestOpts, protoAH:
			// UDP, or headers that may lead to it in the first fragment.
		default:
			return KindNotUDP, nil
		}
		d.frag = fragment{
			key:  fragKey{src: out.Src, dst: out.Dst, id: binary.BigEndian.Uint32(h[4:8]), v6: true},
			off:  fragOff,
			data: p[pos:],
			more: more,
			nh:   h[0],
			max:  0xffff,
		}
		return kindReassemble, nil
	}
}

// skipExtensions walks the IPv6 extension headers that may precede UDP
// (hop-by-hop, routing, destination options, authentication) from p[pos:],
// whose type is nh, and returns the type and offset of the first other
// header. hops counts the headers walked across calls.
func skipExtensions(p []byte, pos int, nh byte, hops *int) (byte, int, error) {
	for {
		switch nh {
		case protoHopByHop, protoRouting, protoDestOpts, protoAH:
		default:
			return nh, pos, nil
		}
		if *hops == MaxExtensionHeaders {
			return 0, 0, fmt.Errorf("ipv6: more than %d extension headers: %w", MaxExtensionHeaders, ErrInvalid)
		}
		*hops++
		if len(p) < pos+8 {
			return 0, 0, fmt.Errorf("ipv6: extension header %d needs 8 bytes at offset %d, have %d: %w", nh, pos, len(p)-pos, ErrTruncated)
		}
		n := (int(p[pos+1]) + 1) * 8
		if nh == protoAH {
			n = (int(p[pos+1]) + 2) * 4
		}
		if len(p) < pos+n {
			return 0, 0, fmt.Errorf("ipv6: extension header %d of %d bytes at offset %d exceeds payload end %d: %w", nh, n, pos, len(p), ErrTruncated)
		}
		nh = p[pos]
		pos += n
	}
}

// udp decodes the UDP header at b[start:], in an IP payload that ends at
// b[end].
func udp(b []byte, start, end int, out *UDP) (Kind, error) {
	p := b[start:end]
	if len(p) < 8 {
		return KindMalformed, fmt.Errorf("udp: header needs 8 bytes, have %d: %w", len(p), ErrTruncated)
	}
	n := int(binary.BigEndian.Uint16(p[4:6]))
	if n < 8 {
		return KindMalformed, fmt.Errorf("udp: length %d below the header size 8: %w", n, ErrInvalid)
	}
	if n > len(p) {
		return KindMalformed, fmt.Errorf("udp: length %d exceeds ip payload %d: %w", n, len(p), ErrTruncated)
	}
	out.SrcPort = binary.BigEndian.Uint16(p[0:2])
	out.DstPort = binary.BigEndian.Uint16(p[2:4])
	out.TransportOffset = start
	out.Payload = p[8:n:n]
	return KindUDP, nil
}
