package capgen

import (
	"fmt"
	"net/netip"
	"time"
)

// Payload types and defaults used by a Stream.
const (
	PayloadPCMU = 0  // RFC 3551 G.711 µ-law
	PayloadPCMA = 8  // RFC 3551 G.711 A-law
	PayloadCN   = 13 // RFC 3389 comfort noise

	// DefaultDTMFPayloadType is the dynamic payload type used for RFC 4733
	// telephone events when Stream.DTMFPayloadType is zero.
	DefaultDTMFPayloadType = 101
	// DefaultPacketTime is the packetization interval when
	// Stream.PacketTime is zero: 20 ms, 160 samples at 8 kHz.
	DefaultPacketTime = 20 * time.Millisecond
	// DefaultDTMFDuration is an event's length when DTMF.Duration is zero.
	DefaultDTMFDuration = 100 * time.Millisecond
	// CNInterval is how often a comfort-noise packet is repeated in a span.
	CNInterval = 200 * time.Millisecond
	// RTCPInterval is the spacing of sender reports.
	RTCPInterval = 5 * time.Second
	// SampleRate is the RTP clock and PCM rate of G.711: 8 kHz.
	SampleRate = 8000
)

// Stream is one RTP sender. Times are offsets from Options.Start.
type Stream struct {
	Src, Dst    netip.AddrPort // both IPv4 or both IPv6; IPv6 endpoints give IPv6 packets
	SSRC        uint32
	PayloadType uint8         // PayloadPCMU or PayloadPCMA when Audio is set; any 0..127 with Payloads
	Seq         uint16        // first sequence number (e.g. 65500 to force a wrap)
	Timestamp   uint32        // first RTP timestamp
	Start       time.Duration // first packet's offset from Options.Start
	PacketTime  time.Duration // default DefaultPacketTime; must be a whole number of 8 kHz samples

	// Audio is 8 kHz mono PCM, G.711-encoded per PayloadType; the last
	// packet is padded with silence. Exactly one of Audio and Payloads is set.
	Audio []int16
	// Payloads are raw payloads, one per packet slot, sent as given.
	Payloads [][]byte

	Impair Impairments

	// SSRCChangeAt, when > 0, switches to NewSSRC (with a fresh random
	// sequence and timestamp base, and the marker bit set) after this many
	// packets. Each SSRC gets its own StreamTruth.
	SSRCChangeAt int
	NewSSRC      uint32

	// DTMF events (RFC 4733) replace the audio of the slots they cover.
	DTMF            []DTMF
	DTMFPayloadType uint8 // default DefaultDTMFPayloadType

	// ComfortNoise spans (RFC 3389) replace audio: one CN packet at the
	// span's start and every CNInterval; timestamps keep advancing, the
	// sequence stays continuous, and the first audio packet after a span
	// carries the marker bit.
	ComfortNoise []Span
	// CNLevel is the noise level byte of CN packets, in -dBov (default 0
	// means 60, i.e. -60 dBov).
	CNLevel uint8

	// RTCP, when true, sends RTCP from Src port+1 to Dst port+1: a compound
	// SR+SDES(CNAME) every RTCPInterval while the SSRC is active, and a
	// compound RR+BYE just after its last packet. RTCP is not impaired.
	RTCP bool
}

// DTMF is one RFC 4733 telephone event.
type DTMF struct {
	Digit    rune          // 0-9, *, #, A-D
	At       time.Duration // offset from Stream.Start
	Duration time.Duration // default DefaultDTMFDuration
	Volume   uint8         // power in -dBm0 (0..63); 0 means 10
}

// Span is a time interval [From, To) measured from Stream.Start.
type Span struct {
	From, To time.Duration
}

// Impairments are the network faults applied to a stream's RTP packets.
// The first and last packet of each SSRC are never lost, and the first is
// never held back or delayed, so that a receiver following RFC 3550 A.1
// sees the generated sequence range and its loss counts match
// StreamTruth.
type Impairments struct {
	Loss         float64 // per-packet probability that a loss event starts (0..1)
	BurstLoss    int     // packets dropped per loss event; 0 means 1
	Duplicate    float64 // probability a packet is written twice (0..1)
	Reorder      float64 // probability a packet is held back (0..1)
	ReorderDepth int     // packets a held-back packet waits for; 0 means 1
	JitterMs     float64 // uniform [0, JitterMs] ms added to each nominal arrival time
	Seed         int64   // seeds every random choice for this stream
}

// dtmfEvent maps a DTMF digit to its RFC 4733 event code.
func dtmfEvent(r rune) (uint8, bool) {
	switch {
	case r >= '0' && r <= '9':
		return uint8(r - '0'), true
	case r == '*':
		return 10, true
	case r == '#':
		return 11, true
	case r >= 'A' && r <= 'D':
		return uint8(r-'A') + 12, true
	case r >= 'a' && r <= 'd':
		return uint8(r-'a') + 12, true
	}
	return 0, false
}

// spp returns the samples per packet for the stream's packet time.
func (s *Stream) spp() int {
	return int(s.packetTime() * SampleRate / time.Second)
}

func (s *Stream) packetTime() time.Duration {
	if s.PacketTime == 0 {
		return DefaultPacketTime
	}
	return s.PacketTime
}

func (s *Stream) dtmfPT() uint8 {
	if s.DTMFPayloadType == 0 {
		return DefaultDTMFPayloadType
	}
	return s.DTMFPayloadType
}

// validate checks the fields that do not depend on the slot layout.
func (s *Stream) validate() error {
	if !s.Src.IsValid() || !s.Dst.IsValid() {
		return fmt.Errorf("%w: src %v and dst %v must both be set", ErrStream, s.Src, s.Dst)
	}
	if s.Src.Addr().Unmap().Is4() != s.Dst.Addr().Unmap().Is4() {
		return fmt.Errorf("%w: src %v and dst %v mix IPv4 and IPv6", ErrStream, s.Src, s.Dst)
	}
	if s.Src.Port() == 0 || s.Dst.Port() == 0 {
		return fmt.Errorf("%w: ports must be nonzero (src %v, dst %v)", ErrStream, s.Src, s.Dst)
	}
	if s.RTCP && (s.Src.Port() == 65535 || s.Dst.Port() == 65535) {
		return fmt.Errorf("%w: rtcp needs port+1, have src %v dst %v", ErrStream, s.Src, s.Dst)
	}
	if s.PayloadType > 127 || s.dtmfPT() > 127 {
		return fmt.Errorf("%w: payload type %d / dtmf payload type %d outside 0..127", ErrStream, s.PayloadType, s.dtmfPT())
	}
	pt := s.packetTime()
	if pt < 0 || pt*SampleRate%time.Second != 0 || s.spp() < 1 {
		return fmt.Errorf("%w: packet time %v is not a positive whole number of %d Hz samples", ErrStream, pt, SampleRate)
	}
	if (len(s.Audio) > 0) == (len(s.Payloads) > 0) {
		return fmt.Errorf("%w: set exactly one of Audio (%d samples) and Payloads (%d)", ErrStream, len(s.Audio), len(s.Payloads))
	}
	if len(s.Audio) > 0 && s.PayloadType != PayloadPCMU && s.PayloadType != PayloadPCMA {
		return fmt.Errorf("%w: audio needs payload type %d (PCMU) or %d (PCMA), have %d", ErrStream, PayloadPCMU, PayloadPCMA, s.PayloadType)
	}
	if s.Start < 0 {
		return fmt.Errorf("%w: start %v is negative", ErrStream, s.Start)
	}
	if s.SSRCChangeAt < 0 {
		return fmt.Errorf("%w: ssrc change at %d packets is negative", ErrStream, s.SSRCChangeAt)
	}
	if s.SSRCChangeAt > 0 && s.NewSSRC == s.SSRC {
		return fmt.Errorf("%w: new ssrc %#08x equals the old one", ErrStream, s.NewSSRC)
	}
	return s.Impair.validate()
}

func (im *Impairments) validate() error {
	for _, p := range []struct {
		name string
		v    float64
	}{{"loss", im.Loss}, {"duplicate", im.Duplicate}, {"reorder", im.Reorder}} {
		if !(p.v >= 0 && p.v <= 1) {
			return fmt.Errorf("%w: %s probability %v outside 0..1", ErrImpairment, p.name, p.v)
		}
	}
	if im.BurstLoss < 0 || im.ReorderDepth < 0 {
		return fmt.Errorf("%w: burst loss %d and reorder depth %d must not be negative", ErrImpairment, im.BurstLoss, im.ReorderDepth)
	}
	if !(im.JitterMs >= 0) {
		return fmt.Errorf("%w: jitter %v ms must not be negative", ErrImpairment, im.JitterMs)
	}
	return nil
}
