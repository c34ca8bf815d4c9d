package packet

import "strconv"

// Kind is what Decode found in a frame.
type Kind uint8

// The kinds of frame. The zero Kind is not used, so that a forgotten
// result is never mistaken for a datagram.
const (
	// KindUDP: a whole UDP datagram; the UDP is filled in.
	KindUDP Kind = iota + 1
	// KindNotIP: the link layer carries something other than IPv4 or IPv6
	// (ARP, LLDP, ...), or the link type is not supported.
	KindNotIP
	// KindNotUDP: an IP packet of another protocol (TCP, ICMP, ESP, ...),
	// fragments of such packets included.
	KindNotUDP
	// KindFragment: a fragment of a UDP datagram that was held for
	// reassembly, or skipped (reassembly off, a duplicate, or a piece of a
	// datagram dropped for overlapping).
	KindFragment
	// KindMalformed: the frame is truncated or a header is invalid; the
	// error says which and why.
	KindMalformed
)

// kindReassemble is decode's internal result for a UDP fragment, which
// Decode hands to the reassembler; Decode never returns it.
const kindReassemble Kind = 0xff

// String returns "udp", "not-ip", "not-udp", "fragment" or "malformed".
func (k Kind) String() string {
	switch k {
	case KindUDP:
		return "udp"
	case KindNotIP:
		return "not-ip"
	case KindNotUDP:
		return "not-udp"
	case KindFragment:
		return "fragment"
	case KindMalformed:
		return "malformed"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}
