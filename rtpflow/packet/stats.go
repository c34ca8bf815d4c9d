package packet

// Stats counts what a Decoder has seen since it was made.
//
// Every call to Decode counts in Packets and in exactly one of UDP, NotIP,
// NotUDP, Malformed, or (for KindFragment) none of these. Every well-formed
// fragment of a UDP datagram counts in Fragments and ends up in exactly one
// of: a Reassembled datagram, FragmentsSkipped, FragmentsExpired,
// FragmentsOverlapping, or still pending (PendingFragments).
type Stats struct {
	Packets   uint64 // calls to Decode
	UDP       uint64 // UDP datagrams returned, reassembled ones included
	NotIP     uint64 // frames carrying no IP, or of an unsupported link type
	NotUDP    uint64 // IP packets (and fragments) of other protocols
	Malformed uint64 // truncated or invalid frames, and reassembled datagrams that were

	Fragments            uint64 // well-formed fragments of UDP datagrams
	Reassembled          uint64 // datagrams completed from fragments
	FragmentsSkipped     uint64 // not held: reassembly off, exact duplicates, datagrams of too many pieces
	FragmentsExpired     uint64 // dropped with a datagram that timed out or was evicted to make room
	FragmentsOverlapping uint64 // dropped with a datagram that had overlapping or inconsistent pieces
	PendingFragments     int    // held now, waiting for the rest of their datagram
	PendingDatagrams     int    // datagrams held now
}
