package obs

import (
	"encoding/json"
	"fmt"
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
// MarshalJSON).
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

// MarshalJSON writes {"src":..., "dst":..., "ssrc":"0x%08x"}; an IPv6
// address is bracketed ("[2001:db8::1]:4000"), an unset one is "".
func (s Stream) MarshalJSON() ([]byte, error) {
	addr := func(a netip.AddrPort) string {
		if !a.IsValid() {
			return ""
		}
		return a.String()
	}
	return json.Marshal(struct {
		Src  string `json:"src"`
		Dst  string `json:"dst"`
		SSRC string `json:"ssrc"`
	}{addr(s.Src), addr(s.Dst), fmt.Sprintf("0x%08x", s.SSRC)})
}

// wireEvent is an Event as written: pointers for the fields a type may
// carry with a zero value (a detection at 0 s), omitted when nil.
type wireEvent struct {
	Time       string    `json:"time"`
	Type       EventType `json:"type"`
	Stream     *Stream   `json:"stream,omitempty"`
	Rule       string    `json:"rule,omitempty"`
	Kind       string    `json:"kind,omitempty"`
	Text       string    `json:"text,omitempty"`
	Confidence *float64  `json:"confidence,omitempty"`
	Action     string    `json:"action,omitempty"`
	StartS     *float64  `json:"start_s,omitempty"`
	EndS       *float64  `json:"end_s,omitempty"`
	RTPStart   *uint64   `json:"rtp_start,omitempty"`
	RTPEnd     *uint64   `json:"rtp_end,omitempty"`
	Hold       string    `json:"hold,omitempty"`
	Mark       *uint32   `json:"mark,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	Transcript string    `json:"transcript,omitempty"`
}

// MarshalJSON writes the fields of e's Type, in this order:
//
//	all:           time (RFC 3339, nanoseconds, UTC), type
//	detection:     stream, rule, kind, text, confidence, action, start_s,
//	               end_s, rtp_start, rtp_end, transcript (when not "")
//	enforce_start: stream, rule, action, start_s, rtp_start, hold (a Go
//	               duration; "0s" is the rest of the stream), mark (action
//	               mark only)
//	enforce_end:   stream, rule, action, end_s, rtp_end, reason
//	others:        reason (when not "")
//
// Strings that are empty are left out.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wireEvent{
		Time:   e.Time.UTC().Format(time.RFC3339Nano),
		Type:   e.Type,
		Reason: e.Reason,
	}
	switch e.Type {
	case Detection:
		w.Stream, w.Rule, w.Kind, w.Text, w.Action = &e.Stream, e.Rule, e.Kind, e.Text, e.Action
		w.Confidence, w.StartS, w.EndS, w.RTPStart, w.RTPEnd = &e.Confidence, &e.StartS, &e.EndS, &e.RTPStart, &e.RTPEnd
		w.Transcript, w.Reason = e.Transcript, ""
	case EnforceStart:
		w.Stream, w.Rule, w.Action = &e.Stream, e.Rule, e.Action
		w.StartS, w.RTPStart, w.Hold = &e.StartS, &e.RTPStart, e.Hold.String()
		if e.Action == "mark" {
			w.Mark = &e.Mark
		}
		w.Reason = ""
	case EnforceEnd:
		w.Stream, w.Rule, w.Action = &e.Stream, e.Rule, e.Action
		w.EndS, w.RTPEnd = &e.EndS, &e.RTPEnd
	}
	return json.Marshal(w)
}
