package packet

import "strconv"

// LinkType is a pcap link-layer header type; the values are the
// LINKTYPE_ numbers of pcap and pcapng files
// (https://www.tcpdump.org/linktypes.html).
type LinkType uint32

// The link types a Decoder understands.
const (
	// LinkNull is BSD loopback: a 4-byte address family in the byte order
	// of the capturing host. AF 2 is IPv4; 10, 24, 28 and 30 (Linux,
	// NetBSD/OpenBSD, FreeBSD, macOS) are IPv6; either byte order is
	// accepted.
	LinkNull LinkType = 0
	// LinkEthernet is Ethernet II, with any number (up to MaxVLANTags) of
	// 802.1Q (0x8100), 802.1ad (0x88a8) and legacy QinQ (0x9100) tags.
	LinkEthernet LinkType = 1
	// LinkRaw is a bare IPv4 or IPv6 packet; the version nibble tells which.
	// NFQUEUE hands packets over in this form.
	LinkRaw LinkType = 101
	// LinkLoop is OpenBSD loopback: like LinkNull, in network byte order.
	LinkLoop LinkType = 108
	// LinkLinuxSLL is the Linux cooked capture header v1 (16 bytes).
	LinkLinuxSLL LinkType = 113
	// LinkIPv4 is a bare IPv4 packet.
	LinkIPv4 LinkType = 228
	// LinkIPv6 is a bare IPv6 packet.
	LinkIPv6 LinkType = 229
	// LinkLinuxSLL2 is the Linux cooked capture header v2 (20 bytes).
	LinkLinuxSLL2 LinkType = 276
)

// String returns the name of the link type, as pcap spells it without the
// LINKTYPE_ prefix, in lower case ("ethernet", "linux_sll2"), or
// "linktype(N)" for one this package does not know.
func (t LinkType) String() string {
	switch t {
	case LinkNull:
		return "null"
	case LinkEthernet:
		return "ethernet"
	case LinkRaw:
		return "raw"
	case LinkLoop:
		return "loop"
	case LinkLinuxSLL:
		return "linux_sll"
	case LinkIPv4:
		return "ipv4"
	case LinkIPv6:
		return "ipv6"
	case LinkLinuxSLL2:
		return "linux_sll2"
	}
	return "linktype(" + strconv.FormatUint(uint64(t), 10) + ")"
}
