package rtpflow

import (
	"time"
)

// Stream is one RTP stream: a 5-tuple and an SSRC.
//
// A Stream is owned by its [Table] and must only be used on the table's
// goroutine, except for its Key which never changes.
type Stream struct {
	Key Key
	// Tag is free for the consumer (a decoder, a policy) to hang its own
	// per-stream state on; the table never touches it.
	Tag any

	stats  Stats
	seq    seqUnwrapper
	ts     tsUnwrapper
	seen   seenWindow
	jitter jitterMeter
	audio  reorder
	hasPT  bool
	ended  bool  // a BYE ended the audio (until RTP comes again)
	lastNs int64 // arrival of the last packet, ns since the epoch

	// table bookkeeping: least-recently-active list
	prev, next *Stream
	hnext      *Stream // next stream with the same hash
}

// Stats returns the stream's statistics so far.
func (s *Stream) Stats() Stats {
	st := s.stats
	if st.Packets > 0 {
		st.Last = time.Unix(0, s.lastNs).In(st.First.Location())
		// Derived here rather than on every packet. MaxSeq never falls
		// below FirstSeq: both start at the first packet's number and
		// MaxSeq only grows.
		st.SeqWraps = st.MaxSeq>>16 - 1
		st.Expected = st.MaxSeq - st.FirstSeq + 1
		st.Lost = int64(st.Expected) - int64(st.Packets)
	}
	st.JitterMs, st.MaxJitterMs, st.MeanJitterMs = s.jitter.jitter, s.jitter.max, s.jitter.mean
	return st
}

// Codec is the encoding name of the stream's audio payload type ("PCMU").
func (s *Stream) Codec() string { return CodecName(s.stats.PayloadType) }

// packet handles one RTP packet of this stream, whose header is in t.hdr.
// payload aliases the datagram; anything kept is copied. The table comes
// as one argument, for its header, configuration and sink, so that the
// arguments of this per-packet call all travel in registers.
func (s *Stream) packet(t *Table, payload []byte, arrival time.Time, ns int64) {
	h, cfg := &t.hdr, &t.cfg
	st := &s.stats
	ext, ahead := s.seq.extend(h.seq)
	ts := s.ts.extend(h.ts)
	if st.Packets == 0 {
		st.First, st.FirstSeq, st.MaxSeq = arrival, ext, ext
	}
	st.Packets++
	st.PayloadBytes += uint64(len(payload))
	s.lastNs = ns
	var dup bool
	if w := &s.seen; ext == w.top+1 {
		// The next number, the common case: mark's work without the call.
		w.top = ext
		w.bits[(ext/64)%16] |= 1 << (ext % 64)
	} else {
		dup = w.mark(ext)
	}
	switch {
	case dup:
		st.Duplicates++
	case !ahead && st.Packets > 1:
		st.OutOfOrder++
	}
	if ext > st.MaxSeq {
		st.MaxSeq = ext
	}
	s.jitter.add(ns, ts, h.pt, h.marker)

	kind := kindAudio
	switch {
	case isCN(h.pt):
		st.ComfortNoise++
		kind = kindSkip
	case isTelephoneEvent(h.pt, payload, cfg.TelephoneEvent):
		st.TelephoneEvents++
		kind = kindSkip
	default:
		if s.hasPT && h.pt != st.PayloadType {
			st.PayloadTypeChanges++
		}
		st.PayloadType, s.hasPT = h.pt, true
	}
	if dup {
		return
	}
	if !st.Bye.IsZero() {
		st.AfterBye++
		s.ended = false // the audio goes on
	}
	if r := &s.audio; r.started && ext == r.next && r.held == 0 {
		// In order with nothing waiting, the common case: push's fast path
		// without the call.
		r.next++
		if kind == kindAudio {
			r.deliver(s, ext, ts, h.pt, h.marker, ns, payload, cfg, t.sink)
		}
	} else if !r.push(s, ext, ts, h, payload, ns, kind, cfg, t.sink) {
		st.Late++
	}
}

// endAudio delivers what the reorder window holds and stops the audio.
func (s *Stream) endAudio(cfg *Config, sink Sink) {
	s.audio.flush(s, cfg, sink)
	s.ended = true
}
