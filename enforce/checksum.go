package enforce

import "encoding/binary"

// sum adds b to acc as a sequence of big-endian 16-bit words (RFC 1071),
// 32 bits at a time into a 64-bit accumulator; a trailing odd byte is padded
// with a zero. Fold the result with fold.
func sum(b []byte, acc uint64) uint64 {
	for len(b) >= 8 {
		acc += uint64(binary.BigEndian.Uint32(b)) + uint64(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
	}
	if len(b) >= 4 {
		acc += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		acc += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint64(b[0]) << 8
	}
	return acc
}

// fold folds a one's complement sum to 16 bits.
func fold(acc uint64) uint16 {
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// udpChecksum computes the UDP checksum (RFC 768, RFC 8200 8.1) of seg, the
// UDP header and payload, with its checksum field taken as zero, under the
// pseudo-header of src and dst (IPv4-mapped for IPv4). A computed 0 is
// returned as 0xffff, since 0 on the wire means "no checksum".
func udpChecksum(src, dst *[16]byte, v6 bool, seg []byte) uint16 {
	var acc uint64
	if v6 {
		acc = sum(src[:], sum(dst[:], 0))
	} else {
		acc = sum(src[12:], sum(dst[12:], 0))
	}
	acc += 17 + uint64(len(seg)) // protocol, UDP length
	acc = sum(seg[:6], acc)      // ports and length; the checksum field is 0
	acc = sum(seg[8:], acc)
	c := ^fold(acc)
	if c == 0 {
		c = 0xffff
	}
	return c
}
