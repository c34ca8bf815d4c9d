package rtpflow

import "time"

// Stats are the measurements of one stream, named as in Wireshark's RTP
// stream analysis.
type Stats struct {
	// Packets counts every RTP packet received, duplicates included (RFC
	// 3550's "received").
	Packets uint64
	// PayloadBytes counts payload bytes, padding excluded.
	PayloadBytes uint64
	// Expected is the highest extended sequence number received minus the
	// first one, plus one (RFC 3550 A.3).
	Expected uint64
	// Lost is Expected - Packets (RFC 3550 A.3). Duplicates make it smaller
	// and it can be negative, as in Wireshark.
	Lost int64
	// Duplicates counts packets whose sequence number had already been
	// received (within the last 1024 sequence numbers).
	Duplicates uint64
	// OutOfOrder counts packets that arrived after a higher sequence number
	// and were not duplicates.
	OutOfOrder uint64
	// SeqWraps counts how often the 16-bit sequence number wrapped.
	SeqWraps uint64
	// Late counts packets that arrived after the reorder window had already
	// given up on them: counted above, but their audio was not used.
	Late uint64
	// MaxJitterMs and MeanJitterMs are interarrival jitter (RFC 3550 A.8)
	// in milliseconds, over regular packets, as Wireshark reports them.
	// JitterMs is the running estimate after the last packet.
	MaxJitterMs, MeanJitterMs, JitterMs float64
	// PayloadType is the audio payload type of the last audio packet.
	PayloadType uint8
	// PayloadTypeChanges counts changes of the audio payload type (comfort
	// noise and telephone-events do not count).
	PayloadTypeChanges uint64
	// TelephoneEvents and ComfortNoise count packets of RFC 4733 events and
	// RFC 3389 comfort noise; they are part of Packets but not of the audio.
	TelephoneEvents, ComfortNoise uint64
	// FirstSeq and MaxSeq are the first and highest extended sequence
	// numbers received.
	FirstSeq, MaxSeq uint64
	// First and Last are the arrival times of the first and last packet.
	First, Last time.Time
	// RTCP: sender reports and receiver report blocks about this SSRC, and
	// when a BYE for it was seen (zero if none).
	SenderReports, ReceiverReports uint64
	// RemoteLost and RemoteJitter are the cumulative loss and jitter (in
	// RTP timestamp units) from the latest receiver report about this SSRC.
	RemoteLost   int32
	RemoteJitter uint32
	Bye          time.Time
	// AfterBye counts the RTP packets (duplicates aside) that came after
	// a BYE. They resume the stream's audio: a BYE from the sender
	// itself must not make the rest of what it sends unheard.
	AfterBye uint64
}

// Duration is the time from the first to the last packet.
func (s *Stats) Duration() time.Duration { return s.Last.Sub(s.First) }
