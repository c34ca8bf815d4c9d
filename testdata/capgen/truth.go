package capgen

import (
	"net/netip"
	"time"
)

// StreamTruth is what the capture holds for one SSRC of one Stream: the
// ground truth a parser's statistics are checked against. A stream with an
// SSRC change yields two, in order.
type StreamTruth struct {
	Stream      int // index of the Stream in the Write call
	SSRC        uint32
	Src, Dst    netip.AddrPort
	PayloadType uint8 // the media payload type

	// Generated is the number of RTP packets the sender produced
	// (sequence numbers used, LastSeq-FirstSeq+1 modulo 2^16 wraps).
	Generated int
	// Sent is the number of distinct RTP packets in the capture: Generated - Lost.
	Sent int
	// Lost is the number of packets dropped. The first and last packet are
	// never dropped, so Lost equals RFC 3550 A.3 expected - received when
	// duplicates are not counted as received.
	Lost int
	// LostRFC3550 is Generated - Packets: RFC 3550 A.3's cumulative loss
	// with duplicates counted as received, which is what Wireshark's RTP
	// stream analysis and tshark -z rtp,streams report as "Lost". It can be
	// negative.
	LostRFC3550 int
	// Duplicated is the number of extra copies written.
	Duplicated int
	// Reordered is the number of packets the Reorder impairment held back.
	Reordered int
	// OutOfOrder is the number of first copies whose extended sequence
	// number is below the highest one written before them, in capture
	// order (held-back packets, and packets overtaken through jitter larger
	// than the packet time).
	OutOfOrder int
	// Packets is the number of RTP records in the capture: Sent + Duplicated.
	Packets int

	Audio, DTMF, ComfortNoise int // packets generated of each kind
	RTCP                      int // RTCP datagrams written for this SSRC

	FirstSeq, LastSeq             uint16 // first and last sequence number generated (both sent)
	FirstTimestamp, LastTimestamp uint32 // RTP timestamps of those packets
	// SeqWraps is how many times the sequence number wraps from 65535 to 0.
	SeqWraps int
	// First and Last are the capture times of the first and last RTP record.
	First, Last time.Time
	// Seqs are the sequence numbers of the RTP records in capture order,
	// duplicates included.
	Seqs []uint16
}
