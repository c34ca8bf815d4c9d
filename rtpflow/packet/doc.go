// Package packet decodes captured or queued frames down to UDP datagrams.
//
// A [Decoder] takes one frame of a known [LinkType] (the pcap LINKTYPE_
// numbers: BSD loopback, Ethernet with any stack of 802.1Q/802.1ad tags,
// raw IP as NFQUEUE hands it over, Linux cooked captures v1 and v2), walks
// the IPv4 header (options honoured, checksum not checked, since captures
// taken with checksum offload carry wrong ones) or the IPv6 header and its
// extension headers (hop-by-hop, routing, destination options,
// authentication, fragment; at most [MaxExtensionHeaders]), and fills a
// [UDP] with the addresses, ports and payload.
//
// Parsing is hand-written and allocates nothing for unfragmented packets.
// The payload of an unfragmented datagram aliases the input frame; the
// offsets of the IP and UDP headers are reported so that an enforcer can
// rewrite the payload in place. Bad input never panics: it yields
// [KindMalformed] and an error that wraps [ErrTruncated] or [ErrInvalid]
// and carries the numbers that explain it.
//
// IP fragments are either counted and skipped, or, with
// [DecoderConfig.Reassemble], held per datagram (RFC 791 / RFC 8200 keys),
// in bounded memory, expired by packet time, and dropped whole when two
// pieces overlap (RFC 5722); exact duplicates are ignored as Linux does.
// The decode of the fragment that completes a datagram returns the whole
// UDP datagram with [UDP.Reassembled] set.
//
// A Decoder never reads the wall clock: the caller passes each frame's own
// timestamp (capture time, or the kernel's queue time).
package packet
