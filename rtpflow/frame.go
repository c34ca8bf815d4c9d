package rtpflow

import "time"

// Frame is one audio packet's payload, delivered in sequence order.
//
// Payload aliases a buffer owned by the stream: it is valid only during the
// [Sink.Frame] call. Copy it before handing it to another goroutine.
type Frame struct {
	Seq         uint64    // extended sequence number (cycle count << 16 | seq)
	Timestamp   uint64    // extended RTP timestamp
	PayloadType uint8     // RTP payload type
	Marker      bool      // RTP marker bit
	Arrival     time.Time // when the packet arrived (capture or kernel time)
	Payload     []byte    // the audio payload, padding removed

	// Lost is the number of sequence numbers missing right before this
	// frame (packets lost, or given up on by the reorder window).
	Lost int
	// GapSamples is the number of samples, at the payload type's clock
	// rate, between the end of the previous audio frame and the start of
	// this one: audio lost, or periods of comfort noise and
	// telephone-events. A decoder fills it with silence. Gaps longer than
	// Config.MaxGap are not filled and are reported as Discontinuity.
	GapSamples int
	// Discontinuity marks a timestamp jump too large to fill (a new talk
	// spurt after a long silence, a re-INVITE, a sender restart).
	Discontinuity bool
}

// AudioEnder is a [Sink] that is also told when a stream's audio ends
// before the stream leaves the table: at an RTCP BYE for it, after the
// audio the reorder window held has been delivered. Frames follow only if
// the stream's RTP goes on after the BYE (Stats.AfterBye): its audio then
// resumes, and a later BYE ends it again. End is still called when the
// stream leaves the table.
type AudioEnder interface {
	// AudioEnd is called with the BYE's arrival time.
	AudioEnd(s *Stream, at time.Time)
}

// EndReason says why a stream left the table.
type EndReason uint8

// Why a stream ended.
const (
	EndIdle    EndReason = iota + 1 // no packet for Config.IdleTimeout
	EndEvicted                      // the table was full and this stream was the least recently active
	EndFlush                        // Table.Flush: end of capture or shutdown
)

func (r EndReason) String() string {
	switch r {
	case EndIdle:
		return "idle"
	case EndEvicted:
		return "evicted"
	case EndFlush:
		return "flush"
	}
	return "unknown"
}

// Sink receives the ordered audio of every stream of a [Table].
// It is declared here because the table calls it; its methods run on the
// table's goroutine and must not block.
type Sink interface {
	// Frame delivers the next audio frame of s. f and f.Payload are valid
	// only during the call.
	Frame(s *Stream, f *Frame)
	// End is called once for each stream when it leaves the table; its
	// statistics are final. The stream's remaining audio has been delivered.
	End(s *Stream, reason EndReason)
}
