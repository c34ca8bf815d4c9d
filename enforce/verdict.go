package enforce

import "strconv"

// Verdict is what becomes of one packet. The zero Verdict is Accept: traffic
// this package has no reason to touch passes unchanged (fail-open).
type Verdict uint8

// Verdicts.
const (
	// Accept: the packet passes unchanged (NF_ACCEPT).
	Accept Verdict = iota
	// Mute: the packet passes with its audio replaced by the codec's
	// silence and its UDP checksum recomputed (NF_ACCEPT with the new
	// payload).
	Mute
	// Bleep: the packet passes with its audio replaced by a 1 kHz tone and
	// its UDP checksum recomputed (NF_ACCEPT with the new payload).
	Bleep
	// Drop: the packet is discarded (NF_DROP).
	Drop
	// Mark: the packet passes unchanged with the decision's mark set on it
	// (NF_ACCEPT with an nfmark), for policy routing or connmark rules.
	Mark

	numVerdicts = iota
)

// Verdicts returns every verdict, in order, for a metrics exporter to range
// over.
func Verdicts() []Verdict { return []Verdict{Accept, Mute, Bleep, Drop, Mark} }

// Modifies reports whether the verdict rewrites the packet, so that the
// caller must hand the packet back to the kernel with its verdict.
func (v Verdict) Modifies() bool { return v == Mute || v == Bleep }

// String returns "accept", "mute", "bleep", "drop" or "mark".
func (v Verdict) String() string {
	switch v {
	case Accept:
		return "accept"
	case Mute:
		return "mute"
	case Bleep:
		return "bleep"
	case Drop:
		return "drop"
	case Mark:
		return "mark"
	}
	return "verdict(" + strconv.Itoa(int(v)) + ")"
}

// Reason says why a packet got its verdict.
type Reason uint8

// Reasons. Everything but ReasonRule, ReasonLogged and the reasons under
// which a muted stream's packets are dropped comes with Accept.
const (
	// ReasonClean: a packet of a stream with no decision in force for its
	// time (none yet, the hold has not begun, or it has expired).
	ReasonClean Reason = iota
	// ReasonNoStream: the caller found no stream for the datagram (not
	// RTP, RTCP, a flow still being learned, a table full): accepted.
	ReasonNoStream
	// ReasonNotRTP: the datagram is not an RTP version 2 packet: accepted.
	ReasonNotRTP
	// ReasonOtherStream: the packet's 5-tuple or SSRC is not the one of the
	// stream state it was given (an injected packet, or a caller's mix-up):
	// accepted unchanged, never muted, never dropped.
	ReasonOtherStream
	// ReasonMalformed: the packet could not be decoded (IP, UDP, or, under
	// a mute or bleep, its RTP header: CSRCs, extension or padding overrun
	// the payload). Accepted when no decision is in force, dropped under
	// mute and bleep: a receiver would discard it anyway.
	ReasonMalformed
	// ReasonRule: a decision in force gave the verdict.
	ReasonRule
	// ReasonLogged: a decision with the action log is in force: accepted.
	ReasonLogged
	// ReasonTelephoneEvent: an RFC 4733 telephone-event of a muted or
	// bleeped stream: accepted unchanged, it carries no speech.
	ReasonTelephoneEvent
	// ReasonComfortNoise: an RFC 3389 comfort noise packet of a muted or
	// bleeped stream: accepted unchanged, it carries no speech.
	ReasonComfortNoise
	// ReasonUnknownCodec: a packet of a muted or bleeped stream whose
	// payload type this package cannot silence (anything but PCMU and
	// PCMA): dropped.
	ReasonUnknownCodec
	// ReasonFragmented: a packet of a muted or bleeped stream that arrived
	// as IP fragments, whose payload cannot be rewritten in place: the
	// completing fragment is dropped, and the datagram with it.
	ReasonFragmented
	// ReasonSourceRouted: a packet of a muted or bleeped stream with an
	// IPv4 source route option or an IPv6 routing header with segments
	// left, whose UDP checksum covers a final destination that is not in
	// the IP header: dropped rather than sent with a checksum that may be
	// wrong.
	ReasonSourceRouted

	numReasons = iota
)

// Reasons returns every reason, in order, for a metrics exporter to range
// over.
func Reasons() []Reason {
	r := make([]Reason, numReasons)
	for i := range r {
		r[i] = Reason(i)
	}
	return r
}

// String returns the reason as a metric label would carry it: "clean",
// "no stream", "not rtp", "other stream", "malformed", "rule", "logged",
// "telephone event", "comfort noise", "unknown codec", "fragmented",
// "source routed".
func (r Reason) String() string {
	switch r {
	case ReasonClean:
		return "clean"
	case ReasonNoStream:
		return "no stream"
	case ReasonNotRTP:
		return "not rtp"
	case ReasonOtherStream:
		return "other stream"
	case ReasonMalformed:
		return "malformed"
	case ReasonRule:
		return "rule"
	case ReasonLogged:
		return "logged"
	case ReasonTelephoneEvent:
		return "telephone event"
	case ReasonComfortNoise:
		return "comfort noise"
	case ReasonUnknownCodec:
		return "unknown codec"
	case ReasonFragmented:
		return "fragmented"
	case ReasonSourceRouted:
		return "source routed"
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Result is the outcome of one packet.
type Result struct {
	Verdict Verdict
	Reason  Reason
	// Mark is the nfmark to set, with Verdict Mark.
	Mark uint32
	// Modified tells that the packet's bytes were rewritten (Mute, Bleep):
	// the caller hands the packet back with its verdict.
	Modified bool
}
