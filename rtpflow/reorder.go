package rtpflow

import (
	"math/bits"
	"time"
)

type frameKind uint8

const (
	kindAudio frameKind = iota + 1
	kindSkip            // occupies a sequence number, carries no audio (CN, telephone-event)
)

// slot is one buffered packet of the reorder window. Its payload buffer is
// reused, so a stream in steady state allocates nothing.
type slot struct {
	full    bool
	kind    frameKind
	seq, ts uint64
	pt      uint8
	marker  bool
	arrival int64  // ns
	buf     []byte // the payload, copied; reused
}

// reorder is a stream's reorder window: up to Config.ReorderWindow packets
// waiting for the ones before them. Frames leave in sequence order; when the
// window is full, missing sequence numbers are given up on and counted as
// lost in the next frame.
type reorder struct {
	slots   []slot // a power of two of them
	mask    uint64 // len(slots) - 1
	next    uint64 // next sequence number to deliver
	started bool
	// held is the number of full slots.
	held int

	// end of the last audio frame delivered, in timestamp units
	lastEnd  uint64
	haveLast bool
	pending  int // sequence numbers skipped since the last audio frame
	frame    Frame
}

// push adds a packet; it reports false when the packet came too late to be
// used (its sequence number was already delivered or given up on).
func (r *reorder) push(s *Stream, seq, ts uint64, h *header, payload []byte, arrival int64, kind frameKind, cfg *Config, sink Sink) bool {
	w := uint64(cfg.ReorderWindow)
	if r.slots == nil {
		// A power of two at least w, so that slot indexes are a mask, not a
		// division, on every packet.
		r.slots = make([]slot, 1<<bits.Len64(w-1))
		r.mask = uint64(len(r.slots) - 1)
	}
	if !r.started {
		r.started, r.next = true, seq
	}
	if seq < r.next {
		return false
	}
	// Make room: deliver or give up on everything that falls out of the window.
	for seq >= r.next+w {
		r.advance(s, cfg, sink)
	}
	if seq == r.next && r.held == 0 {
		// In order with nothing waiting, the common case: deliver at once,
		// straight from the datagram, without copying or touching a slot.
		r.next++
		if kind == kindAudio {
			r.deliver(s, seq, ts, h.pt, h.marker, arrival, payload, cfg, sink)
		}
		return true
	}
	sl := &r.slots[seq&r.mask]
	if sl.full { // a duplicate of a held packet (the caller filters most)
		return true
	}
	sl.full, sl.kind, sl.seq, sl.ts = true, kind, seq, ts
	sl.pt, sl.marker, sl.arrival = h.pt, h.marker, arrival
	sl.buf = append(sl.buf[:0], payload...)
	r.held++
	for r.held > 0 && r.slots[r.next&r.mask].full {
		r.advance(s, cfg, sink)
	}
	return true
}

// advance delivers the slot for r.next, or gives up on it if it is empty.
func (r *reorder) advance(s *Stream, cfg *Config, sink Sink) {
	sl := &r.slots[r.next&r.mask]
	r.next++
	if !sl.full {
		r.pending++
		return
	}
	sl.full = false
	r.held--
	if sl.kind == kindAudio {
		r.deliver(s, sl.seq, sl.ts, sl.pt, sl.marker, sl.arrival, sl.buf, cfg, sink)
	}
}

// deliver hands one audio frame to the sink, with the gap since the last.
func (r *reorder) deliver(s *Stream, seq, ts uint64, pt uint8, marker bool, arrival int64, payload []byte, cfg *Config, sink Sink) {
	var gapSamples int
	var discontinuity bool
	if r.haveLast {
		switch gap := int64(ts) - int64(r.lastEnd); {
		case gap > 0 && gap <= int64(cfg.MaxGap)/1e6*int64(clockOr8k(pt))/1000:
			gapSamples = int(gap)
		case gap > 0:
			discontinuity = true
		case gap < 0:
			// Overlap or a timestamp going backwards: nothing to fill.
		}
	}
	lost := r.lostBefore()
	n := samplesOf(pt, len(payload))
	r.lastEnd, r.haveLast = ts+uint64(n), n > 0
	if sink == nil {
		return
	}
	f := &r.frame
	f.Seq, f.Timestamp, f.PayloadType, f.Marker = seq, ts, pt, marker
	f.Arrival, f.Payload = time.Unix(0, arrival).UTC(), payload
	f.Lost, f.GapSamples, f.Discontinuity = lost, gapSamples, discontinuity
	sink.Frame(s, f)
	f.Payload = nil
}

// lostBefore returns and clears the count of sequence numbers skipped since
// the last delivered frame.
func (r *reorder) lostBefore() int {
	n := r.pending
	r.pending = 0
	return n
}

// flush delivers everything held, in order.
func (r *reorder) flush(s *Stream, cfg *Config, sink Sink) {
	for r.held > 0 {
		r.advance(s, cfg, sink)
	}
	r.pending = 0
}

// samplesOf returns the number of samples in a payload, where the codec
// makes that a function of its length (G.711: one byte a sample); 0 otherwise.
func samplesOf(pt uint8, n int) int {
	switch pt {
	case PTPCMU, PTPCMA:
		return n
	case PTG722: // 8 kHz RTP clock by RFC 3551, 2 samples of 4 bits per byte... one RTP tick a byte
		return n
	}
	return 0
}

func clockOr8k(pt uint8) uint32 {
	if c := clockRate(pt); c != 0 {
		return c
	}
	return 8000
}
