package capgen

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/zaf/g711"
)

// kind is what a generated RTP packet carries.
type kind uint8

const (
	kindAudio kind = iota
	kindDTMF
	kindCN
)

// rtpPacket is one packet the sender produced, before impairments.
type rtpPacket struct {
	at      time.Duration // nominal send time, from Options.Start
	seg     int           // SSRC segment within the stream
	idx     int           // position within the segment (extended sequence - first)
	ssrc    uint32
	seq     uint16
	ts      uint32
	pt      uint8
	marker  bool
	kind    kind
	payload []byte
}

// marshal returns the 12-byte RTP header (RFC 3550 5.1, no CSRC, no
// extension) followed by the payload, in a new slice.
func (p *rtpPacket) marshal() []byte {
	b := make([]byte, 12+len(p.payload))
	b[0] = 2 << 6
	b[1] = p.pt & 0x7f
	if p.marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], p.seq)
	binary.BigEndian.PutUint32(b[4:], p.ts)
	binary.BigEndian.PutUint32(b[8:], p.ssrc)
	copy(b[12:], p.payload)
	return b
}

// segment is the run of packets sent under one SSRC.
type segment struct {
	ssrc   uint32
	tsBase uint32 // RTP timestamp of slot 0 in this SSRC's timeline
	first  int    // index of the first packet in the stream's packet list
	n      int    // packets in the segment
}

// slotKind says what a packet slot carries.
type slotKind struct {
	kind  kind
	send  bool  // false: a silent slot inside a comfort-noise span
	event int   // DTMF: index into Stream.DTMF
	step  int   // DTMF: packet number within the event
	steps int   // DTMF: packets before the end packets
	first bool  // DTMF: first packet of the event; CN: first slot of the span
	code  uint8 // DTMF: event code
}

// endPackets is how many times the final packet of an event is sent (RFC 4733 2.5.1.4).
const endPackets = 3

// slots returns the number of packet slots the stream's media covers.
func (s *Stream) slots() int {
	if len(s.Audio) > 0 {
		spp := s.spp()
		return (len(s.Audio) + spp - 1) / spp
	}
	return len(s.Payloads)
}

// layout assigns each slot its kind, checking events against the media.
func (s *Stream) layout() ([]slotKind, error) {
	n := s.slots()
	pt := s.packetTime()
	lay := make([]slotKind, n)
	taken := make([]bool, n)
	slot := func(d time.Duration) int { return int((d + pt/2) / pt) }
	for i, e := range s.DTMF {
		code, ok := dtmfEvent(e.Digit)
		if !ok {
			return nil, fmt.Errorf("%w: dtmf %d: digit %q is not one of 0-9 * # A-D", ErrEvent, i, e.Digit)
		}
		dur := e.Duration
		if dur == 0 {
			dur = DefaultDTMFDuration
		}
		if e.At < 0 || dur < 0 || e.Volume > 63 {
			return nil, fmt.Errorf("%w: dtmf %d: at %v, duration %v, volume %d (want non-negative times, volume 0..63)", ErrEvent, i, e.At, dur, e.Volume)
		}
		s0, steps := slot(e.At), max(1, slot(dur))
		end := s0 + steps + endPackets
		if end > n {
			return nil, fmt.Errorf("%w: dtmf %d at %v needs packets up to %v, the stream's media lasts %v", ErrEvent, i, e.At, time.Duration(end)*pt, time.Duration(n)*pt)
		}
		for k := s0; k < end; k++ {
			if taken[k] {
				return nil, fmt.Errorf("%w: dtmf %d at %v overlaps another event at %v", ErrEvent, i, e.At, time.Duration(k)*pt)
			}
			taken[k] = true
			lay[k] = slotKind{kind: kindDTMF, send: true, event: i, step: k - s0, steps: steps, first: k == s0, code: code}
		}
	}
	every := max(1, int((CNInterval+pt/2)/pt))
	for i, sp := range s.ComfortNoise {
		s0, s1 := slot(sp.From), slot(sp.To)
		if sp.From < 0 || s1 <= s0 || s1 > n {
			return nil, fmt.Errorf("%w: comfort noise %d [%v, %v) is empty or outside the stream's %v of media", ErrEvent, i, sp.From, sp.To, time.Duration(n)*pt)
		}
		for k := s0; k < s1; k++ {
			if taken[k] {
				return nil, fmt.Errorf("%w: comfort noise %d [%v, %v) overlaps another event at %v", ErrEvent, i, sp.From, sp.To, time.Duration(k)*pt)
			}
			taken[k] = true
			lay[k] = slotKind{kind: kindCN, send: (k-s0)%every == 0, first: k == s0}
		}
	}
	for k := range lay {
		if !taken[k] {
			lay[k] = slotKind{kind: kindAudio, send: true}
		}
	}
	return lay, nil
}

// packets generates the stream's RTP packets in send order, before
// impairments, and the SSRC segments they fall in.
func (s *Stream) packets(rng *rand.Rand) ([]rtpPacket, []segment, error) {
	lay, err := s.layout()
	if err != nil {
		return nil, nil, err
	}
	pt, spp := s.packetTime(), s.spp()
	cnLevel := s.CNLevel
	if cnLevel == 0 {
		cnLevel = 60
	}
	segs := []segment{{ssrc: s.SSRC, tsBase: s.Timestamp}}
	seq := s.Seq
	out := make([]rtpPacket, 0, len(lay))
	marker := true // first packet of a talkspurt
	var eventTS uint32
	for n, sk := range lay {
		seg := &segs[len(segs)-1]
		changeable := sk.send && (sk.kind != kindDTMF || sk.first)
		if s.SSRCChangeAt > 0 && len(segs) == 1 && len(out) >= s.SSRCChangeAt && changeable {
			segs = append(segs, segment{ssrc: s.NewSSRC, tsBase: rng.Uint32() - uint32(n*spp), first: len(out)})
			seg = &segs[len(segs)-1]
			seq = uint16(rng.Uint32())
			marker = true
		}
		ts := seg.tsBase + uint32(n*spp)
		p := rtpPacket{at: s.Start + time.Duration(n)*pt, seg: len(segs) - 1, idx: seg.n, ssrc: seg.ssrc, seq: seq, kind: sk.kind}
		switch sk.kind {
		case kindAudio:
			p.pt, p.ts, p.marker = s.PayloadType, ts, marker
			marker = false
			p.payload = s.payload(n, spp)
		case kindCN:
			marker = true
			if !sk.send {
				continue
			}
			p.pt, p.ts = PayloadCN, ts
			p.payload = []byte{cnLevel}
		case kindDTMF:
			if sk.first {
				eventTS = ts
			}
			e := s.DTMF[sk.event]
			vol := e.Volume
			if vol == 0 {
				vol = 10
			}
			dur := (sk.step + 1) * spp
			end := sk.step >= sk.steps
			if end {
				dur = sk.steps * spp
			}
			p.pt, p.ts, p.marker = s.dtmfPT(), eventTS, sk.first
			p.payload = make([]byte, 4)
			p.payload[0] = sk.code
			p.payload[1] = vol & 0x3f
			if end {
				p.payload[1] |= 0x80
			}
			binary.BigEndian.PutUint16(p.payload[2:], uint16(min(dur, 0xffff)))
		}
		out = append(out, p)
		seg.n++
		seq++
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("%w: no packet to send (%d slots)", ErrStream, len(lay))
	}
	return out, segs, nil
}

// payload returns slot n's media payload.
func (s *Stream) payload(n, spp int) []byte {
	if len(s.Payloads) > 0 {
		return s.Payloads[n]
	}
	b := make([]byte, spp)
	for i := range b {
		var v int16
		if k := n*spp + i; k < len(s.Audio) {
			v = s.Audio[k]
		}
		if s.PayloadType == PayloadPCMA {
			b[i] = g711.EncodeAlawFrame(v)
		} else {
			b[i] = g711.EncodeUlawFrame(v)
		}
	}
	return b
}
