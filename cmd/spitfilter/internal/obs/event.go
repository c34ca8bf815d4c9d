package obs

import (
	"net/netip"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// EventType says what an Event reports.
type EventType string

// Event types.
const (
	// Detection: a rule matched in a stream's audio.
	Detection EventType = "detection"
	// EnforceStart: an action (mute, bleep, drop, mark) came into force
	// on a stream.
	EnforceStart EventType = "enforce_start"
	// EnforceEnd: an action stopped (hold over, stream ended, reload).
	EnforceEnd EventType = "enforce_end"
	// Reload: the configuration was reloaded.
	Reload EventType = "reload"
	// ReloadFailed: a reload was refused; Reason says why.
	ReloadFailed EventType = "reload_failed"
	// Start and Stop: the daemon started or stopped.
	Start EventType = "start"
	Stop  EventType = "stop"
)

// Stream identifies an event's stream. It marshals as
// {"src":"192.0.2.1:4000","dst":"192.0.2.2:30000","ssrc":"0x1a2b3c4d"}.
type Stream struct {
	Src, Dst netip.AddrPort
	SSRC     uint32
}

// StreamOf returns the Stream of an rtpflow key.
func StreamOf(k rtpflow.Key) Stream {
	return Stream{Src: k.SrcAddr(), Dst: k.DstAddr(), SSRC: k.SSRC}
}

// Event is one JSON line. Which fields are written depends on Type (see
// MarshalJSON); the zero value of a field a type does not use is left out.
type Event struct {
	// Time is when it happened; the daemon passes packet time for stream
	// events. Written as RFC 3339 with nanoseconds, in UTC.
	Time time.Time
	Type EventType
	// Stream is the stream of detection and enforce events.
	Stream Stream
	// Rule is the name of the rule that matched; Kind is its kind
	// (word, phrase, pattern, fingerprint).
	Rule, Kind string
	// Text is the matched rule text only (the phrase, or the part of the
	// transcript the pattern matched), never the transcript.
	Text string
	// Confidence is the recognizer's confidence, 0 to 1.
	Confidence float64
	// Action is what the rule does: mute, bleep, drop, mark or log.
	Action string
	// StartS and EndS are the detection's start and end in seconds from
	// the start of the stream; RTPStart and RTPEnd the same as RTP
	// timestamps (unwrapped).
	StartS, EndS     float64
	RTPStart, RTPEnd uint64
	// Hold is how long the action lasts; 0 means the rest of the stream.
	Hold time.Duration
	// Mark is the nfmark of action mark.
	Mark uint32
	// Reason says why an enforcement ended, why a reload failed, or why
	// the daemon stopped.
	Reason string
	// Transcript is the recognised text around the detection. It is
	// written only by a Writer or Hooks made with Transcript set.
	Transcript string
}
