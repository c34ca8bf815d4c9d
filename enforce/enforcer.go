package enforce

import (
	"sync/atomic"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// Config configures an Enforcer. The zero value means the documented
// defaults.
type Config struct {
	// TelephoneEvent is the payload type of RFC 4733 telephone-events,
	// which pass a muted stream unchanged. Other dynamic payload types
	// with a 4-byte event payload are taken as events as well, as rtpflow
	// does. Default 101.
	TelephoneEvent uint8
}

// Enforcer turns stream decisions into per-packet verdicts and rewrites the
// payloads of muted and bleeped streams in place. It keeps only read-only
// tables and atomic counters, so one Enforcer may serve every queue reader
// at once.
type Enforcer struct {
	cfg      Config
	tone     [2][8]byte // PCMU, PCMA
	verdicts [numVerdicts]atomic.Uint64
	reasons  [numReasons]atomic.Uint64
}

// New returns an Enforcer configured by cfg.
func New(cfg Config) *Enforcer {
	if cfg.TelephoneEvent == 0 {
		cfg.TelephoneEvent = rtpflow.DefaultTelephoneEvent
	}
	e := &Enforcer{cfg: cfg}
	e.tone[0] = toneTable(decode.PCMU, ToneLevel)
	e.tone[1] = toneTable(decode.PCMA, ToneLevel)
	return e
}

// Apply judges one RTP datagram of the stream whose state is st, at packet
// time now, and rewrites its payload in place when the decision in force
// says mute or bleep.
//
// pkt is the whole IP packet as the queue handed it over (raw IP, or any
// frame whose offsets u carries) and u its decoding by a packet.Decoder:
// u.Payload must alias pkt at u.TransportOffset+8. Call Apply after the
// datagram went to the rtpflow.Table (whose Handle copies the audio for
// analysis): Apply changes the bytes u.Payload shows.
//
// A nil st (no stream for the datagram), a payload that is not RTP version
// 2, a packet whose 5-tuple or SSRC is not st's key, and a stream without
// a decision in force at now are accepted unchanged. Under a decision:
//
//   - log accepts (ReasonLogged); drop drops; mark accepts with the mark;
//   - mute replaces the RTP payload (after the CSRCs and header extension,
//     before the padding) by the codec's silence, 0xFF for PCMU, 0xD5 for
//     PCMA; bleep writes a 1 kHz tone at ToneLevel whose phase comes from
//     the RTP timestamp (byte i is tone[(ts+i) mod 8]), so that it is
//     continuous across packets and losses. Every RTP header field, the
//     padding and the length stay as they were; the UDP checksum is
//     recomputed, except over IPv4 when the sender sent none (0, which
//     RFC 768 allows); the IPv4 header and its checksum are untouched;
//   - under mute and bleep, RFC 4733 telephone-events and RFC 3389 comfort
//     noise pass unchanged (they carry no speech; keypad use of IVRs keeps
//     working), while packets that cannot be rewritten are dropped and
//     counted by reason: payload types other than PCMU and PCMA
//     (ReasonUnknownCodec), RTP headers that overrun the datagram
//     (ReasonMalformed), datagrams reassembled from IP fragments
//     (ReasonFragmented), and packets with an unfinished IPv4 source route
//     or IPv6 routing header, whose checksum covers a final destination
//     that is not in the IP header (ReasonSourceRouted).
//
// Apply never panics, never changes the length of pkt, allocates nothing,
// and is safe for concurrent use on different packets.
func (e *Enforcer) Apply(pkt []byte, u *packet.UDP, st *State, now time.Time) Result {
	r := e.apply(pkt, u, st, now.UnixNano())
	e.verdicts[r.Verdict].Add(1)
	e.reasons[r.Reason].Add(1)
	return r
}

// Pass counts an Accept with reason r for a packet that never reached Apply
// (not IP, not UDP, a held fragment, malformed: ReasonNoStream,
// ReasonMalformed, ...) and returns it, so that every packet the queue saw
// is counted once.
func (e *Enforcer) Pass(r Reason) Result {
	if r >= numReasons {
		r = ReasonNoStream
	}
	e.verdicts[Accept].Add(1)
	e.reasons[r].Add(1)
	return Result{Reason: r}
}

func (e *Enforcer) apply(pkt []byte, u *packet.UDP, st *State, ns int64) Result {
	if st == nil {
		return Result{Reason: ReasonNoStream}
	}
	b := u.Payload
	h, err := parseRTP(b)
	if !h.hasHeader {
		return Result{Reason: ReasonNotRTP}
	}
	k := &st.key
	if h.ssrc != k.SSRC || u.SrcPort != k.SrcPort || u.DstPort != k.DstPort || u.Src != k.Src || u.Dst != k.Dst {
		return Result{Reason: ReasonOtherStream}
	}
	d := st.active(ns)
	if d == nil {
		if err != nil {
			return Result{Reason: ReasonMalformed}
		}
		return Result{Reason: ReasonClean}
	}
	var v Verdict
	switch d.Action {
	case ActionMute:
		v = Mute
	case ActionBleep:
		v = Bleep
	case ActionDrop:
		return Result{Verdict: Drop, Reason: ReasonRule}
	case ActionMark:
		return Result{Verdict: Mark, Reason: ReasonRule, Mark: d.Mark}
	default:
		return Result{Reason: ReasonLogged}
	}
	if err != nil {
		return Result{Verdict: Drop, Reason: ReasonMalformed}
	}
	if h.pt == rtpflow.PTCN || h.pt == rtpflow.PTCNOld {
		return Result{Reason: ReasonComfortNoise}
	}
	if e.isEvent(h.pt, b[h.start:h.end]) {
		return Result{Reason: ReasonTelephoneEvent}
	}
	codec := decode.CodecForPayloadType(h.pt)
	if codec == decode.Unknown {
		return Result{Verdict: Drop, Reason: ReasonUnknownCodec}
	}
	if u.Reassembled {
		return Result{Verdict: Drop, Reason: ReasonFragmented}
	}
	off := u.TransportOffset
	if off < 0 || off+8+len(b) > len(pkt) || &pkt[off+8] != &b[0] {
		// u does not describe pkt: nothing can be rewritten safely.
		return Result{Verdict: Drop, Reason: ReasonMalformed}
	}
	if sourceRouted(pkt, u) {
		return Result{Verdict: Drop, Reason: ReasonSourceRouted}
	}
	audio := b[h.start:h.end]
	if v == Mute {
		s := codec.Silence()
		for i := range audio {
			audio[i] = s
		}
	} else {
		t := &e.tone[0]
		if codec == decode.PCMA {
			t = &e.tone[1]
		}
		for i := range audio {
			audio[i] = t[(h.ts+uint32(i))&7]
		}
	}
	seg := pkt[off : off+8+len(b)]
	if u.IPv6 || seg[6] != 0 || seg[7] != 0 {
		c := udpChecksum(&u.Src, &u.Dst, u.IPv6, seg)
		seg[6], seg[7] = byte(c>>8), byte(c)
	}
	return Result{Verdict: v, Reason: ReasonRule, Modified: true}
}

// isEvent reports whether a packet of payload type pt with this payload is
// an RFC 4733 telephone-event: the configured payload type, or a dynamic
// one with a single 4-byte event block (event 0-16, reserved bit clear).
func (e *Enforcer) isEvent(pt uint8, payload []byte) bool {
	if pt == e.cfg.TelephoneEvent {
		return true
	}
	if pt < 96 || pt > 127 || len(payload) != 4 {
		return false
	}
	return payload[0] <= 16 && payload[1]&0x40 == 0
}

// Stats are the counts of verdicts and reasons since New.
type Stats struct {
	verdicts [numVerdicts]uint64
	reasons  [numReasons]uint64
}

// Stats returns the counts so far. It is safe to call concurrently with
// Apply; each count is read atomically, the set of them is not a snapshot.
func (e *Enforcer) Stats() Stats {
	var s Stats
	for i := range s.verdicts {
		s.verdicts[i] = e.verdicts[i].Load()
	}
	for i := range s.reasons {
		s.reasons[i] = e.reasons[i].Load()
	}
	return s
}

// Verdict returns how many packets got verdict v.
func (s Stats) Verdict(v Verdict) uint64 {
	if v >= numVerdicts {
		return 0
	}
	return s.verdicts[v]
}

// Reason returns how many packets got their verdict for reason r.
func (s Stats) Reason(r Reason) uint64 {
	if r >= numReasons {
		return 0
	}
	return s.reasons[r]
}
