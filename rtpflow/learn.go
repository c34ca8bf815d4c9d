package rtpflow

import (
	"time"
)

// candidate is a flow (5-tuple + SSRC) that looks like RTP but has not yet
// shown enough consistent packets. Its packets are kept (copied) so that,
// once it is learned, they count and their audio is used.
type candidate struct {
	good    int // consistent packets so far
	lastSeq uint16
	lastTS  uint32
	last    time.Time
	held    []heldPacket
}

type heldPacket struct {
	data []byte
	at   time.Time
}

// maxHeldFactor bounds the packets a candidate keeps (times LearnPackets) (duplicates and reordered
// packets during learning are held too).
const maxHeldFactor = 4

// learn feeds a packet of an unknown flow to the heuristic. It returns the
// stream when the flow has just been learned: the stream then exists and has
// received every held packet, this one included. refused is set when the
// flow was learned but the table is full.
func (t *Table) learn(k Key, b []byte, h *header, at time.Time, ns int64) (s *Stream, refused bool) {
	c := t.cands[k]
	if c == nil {
		if len(t.cands) >= t.cfg.MaxCandidates {
			for old := range t.cands { // drop an arbitrary one: a flood cannot grow memory
				delete(t.cands, old)
				t.stats.CandidatesDropped++
				break
			}
		}
		c = &candidate{}
		t.cands[k] = c
	}
	d := h.seq - c.lastSeq
	switch {
	case c.good == 0:
		c.good = 1
	case d >= 1 && d <= 3 && int32(h.ts-c.lastTS) >= 0:
		c.good++
	case d == 0 || d >= 0x8000: // duplicate or late: neither confirms nor breaks
		c.last = at
		c.hold(b, at, t.cfg.LearnPackets)
		return nil, false
	default: // inconsistent: start learning again from this packet
		c.good = 1
		c.held = c.held[:0]
	}
	c.lastSeq, c.lastTS, c.last = h.seq, h.ts, at
	c.hold(b, at, t.cfg.LearnPackets)
	if c.good < t.cfg.LearnPackets {
		return nil, false
	}
	delete(t.cands, k)
	if s = t.newStream(k, ns); s == nil {
		return nil, true
	}
	t.stats.Promoted++
	for _, hp := range c.held { // each parsed into t.hdr, where packet reads it
		payload, ok := parseRTP(hp.data, &t.hdr)
		if !ok {
			continue
		}
		s.packet(t, payload, hp.at, hp.at.UnixNano())
	}
	return s, false
}

func (c *candidate) hold(b []byte, at time.Time, learn int) {
	if len(c.held) >= learn*maxHeldFactor {
		return
	}
	c.held = append(c.held, heldPacket{data: append([]byte(nil), b...), at: at})
}
