package rtpflow

import "time"

// Config configures a [Table]. The zero value means the documented defaults.
type Config struct {
	// Ports are the UDP port ranges that carry RTP and RTCP. A datagram with
	// either port in a range is parsed as RTP (or RTCP) at once. Default:
	// none, every stream is found by the heuristic.
	Ports Ports
	// NoHeuristic turns off learning RTP streams on ports outside Ports.
	// Default: the heuristic is on.
	NoHeuristic bool
	// LearnPackets is how many consecutive packets (same SSRC, version 2,
	// a plausible audio payload type, sequence numbers advancing by 1 to 3,
	// timestamps not going backwards) make an unknown flow an RTP stream, as
	// Asterisk's strict RTP learns a source. The learned packets are
	// counted and their audio kept. Default 4.
	LearnPackets int
	// MaxStreams caps live streams. When the table is full a new stream
	// evicts the least recently active one if that has been idle for at
	// least one second; otherwise the new stream is refused (counted) and
	// its packets pass unanalysed. Default 10000.
	MaxStreams int
	// MaxCandidates caps flows being learned by the heuristic. Default 1024.
	MaxCandidates int
	// IdleTimeout ends a stream that has had no packet for this long, in
	// packet time. Default 60 s.
	IdleTimeout time.Duration
	// ReorderWindow is how many packets a stream holds back waiting for
	// an earlier sequence number. Larger windows recover more reordering
	// and add latency (20 ms a packet at the usual packet time). Default 8.
	ReorderWindow int
	// MaxGap is the longest timestamp gap a frame's GapSamples fills;
	// longer jumps are reported as a discontinuity. Default 5 s.
	MaxGap time.Duration
	// TelephoneEvent is the payload type of RFC 4733 telephone-events.
	// Other dynamic payload types with 4-byte event payloads are recognised
	// as well. Default 101.
	TelephoneEvent uint8
}

func (c Config) withDefaults() Config {
	if c.LearnPackets <= 0 {
		c.LearnPackets = 4
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 10000
	}
	if c.MaxCandidates <= 0 {
		c.MaxCandidates = 1024
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.ReorderWindow <= 0 {
		c.ReorderWindow = 8
	}
	if c.MaxGap <= 0 {
		c.MaxGap = 5 * time.Second
	}
	if c.TelephoneEvent == 0 {
		c.TelephoneEvent = DefaultTelephoneEvent
	}
	return c
}
