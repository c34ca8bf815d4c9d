package rtpflow

import (
	"time"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// Class says what a datagram was taken for.
type Class uint8

// Datagram classes. Traffic the table cannot use is never an error: it is
// classified, counted, and left to pass.
const (
	ClassNotRTP    Class = iota // other UDP: not on an RTP port and not learned as RTP
	ClassRTP                    // an RTP packet of a stream
	ClassRTCP                   // an RTCP (compound) packet
	ClassLearning               // looks like RTP; the heuristic has not confirmed the flow yet
	ClassRefused                // RTP, but the table is full: passes unanalysed
	ClassMalformed              // on an RTP port, but neither valid RTP nor RTCP
)

func (c Class) String() string {
	switch c {
	case ClassNotRTP:
		return "not-rtp"
	case ClassRTP:
		return "rtp"
	case ClassRTCP:
		return "rtcp"
	case ClassLearning:
		return "learning"
	case ClassRefused:
		return "refused"
	case ClassMalformed:
		return "malformed"
	}
	return "unknown"
}

// TableStats counts what a [Table] has seen.
type TableStats struct {
	// Datagrams by class, as Handle returned them. Packets held while a
	// flow was learned count as Learning, though they end up in the stream.
	Datagrams, RTP, RTCP, NotRTP, Learning, Refused, Malformed uint64
	// StreamsCreated counts streams ever created; Live is the number now.
	StreamsCreated uint64
	Live           int
	// Ended streams by reason.
	Expired, Evicted, Flushed uint64
	// Candidates learned into streams, and dropped (idle, or the candidate
	// table was full).
	Promoted, CandidatesDropped uint64
	// RTCPMalformed counts RTCP packets that failed to parse.
	RTCPMalformed uint64
}

// Table holds the live streams of one packet source and classifies each
// datagram. It is not safe for concurrent use.
type Table struct {
	cfg     Config
	sink    Sink
	streams streamIndex
	bySSRC  map[uint32][]*Stream
	cands   map[Key]*candidate
	// least-recently-active list: head is the most recent.
	head, tail *Stream
	hdr        header
	lastSweep  int64 // ns
	stats      TableStats
}

// NewTable returns an empty table. sink receives the streams' audio and
// their end; it may be nil.
func NewTable(cfg Config, sink Sink) *Table {
	return &Table{
		cfg:     cfg.withDefaults(),
		sink:    sink,
		streams: newStreamIndex(),
		bySSRC:  make(map[uint32][]*Stream),
		cands:   make(map[Key]*candidate),
	}
}

// Config returns the table's configuration with defaults filled in.
func (t *Table) Config() Config { return t.cfg }

// Stats returns the table's counters.
func (t *Table) Stats() TableStats {
	st := t.stats
	st.Live = t.streams.n
	return st
}

// Lookup returns the live stream with key k, or nil.
func (t *Table) Lookup(k Key) *Stream { return t.streams.get(&k) }

// Streams calls fn for each live stream, most recently active first, until
// fn returns false.
func (t *Table) Streams(fn func(*Stream) bool) {
	for s := t.head; s != nil; s = s.next {
		if !fn(s) {
			return
		}
	}
}

// Handle classifies one UDP datagram that arrived at time at, and for RTP
// returns its stream. The datagram's payload is not kept: audio is copied
// into the stream's reorder window. Handle never fails: traffic it cannot
// use is classified and counted.
func (t *Table) Handle(u *packet.UDP, at time.Time) (Class, *Stream) {
	t.stats.Datagrams++
	ns := at.UnixNano()
	if ns-t.lastSweep >= int64(time.Second) {
		t.sweep(at, ns)
	}
	b := u.Payload
	onPort := t.cfg.Ports.Contains(u.DstPort) || t.cfg.Ports.Contains(u.SrcPort)
	if !onPort && t.cfg.NoHeuristic {
		t.stats.NotRTP++
		return ClassNotRTP, nil
	}
	if len(b) < 8 || b[0]>>6 != 2 {
		return t.notRTP(onPort)
	}
	if b[1] >= 192 && b[1] <= 223 { // RFC 5761: RTCP packet types 192-223
		if t.rtcp(u, at, onPort) {
			return ClassRTCP, nil
		}
		return t.notRTP(onPort)
	}
	if len(b) < 12 {
		return t.notRTP(onPort)
	}
	h := &t.hdr
	payload, ok := parseRTP(b, h)
	if !ok {
		return t.notRTP(onPort)
	}
	s := t.streams.lookup(u, h.ssrc)
	if s == nil {
		k := Key{Src: u.Src, Dst: u.Dst, SrcPort: u.SrcPort, DstPort: u.DstPort, SSRC: h.ssrc}
		if !onPort {
			if !plausibleAudioPT(h.pt) {
				t.stats.NotRTP++
				return ClassNotRTP, nil
			}
			s, refused := t.learn(k, b, h, at, ns)
			switch {
			case refused:
				t.stats.Refused++
				return ClassRefused, nil
			case s == nil:
				t.stats.Learning++
				return ClassLearning, nil
			}
			// Learned: the held packets, this one included, were replayed.
			t.stats.RTP++
			return ClassRTP, s
		}
		if s = t.newStream(k, ns); s == nil {
			t.stats.Refused++
			return ClassRefused, nil
		}
	}
	t.stats.RTP++
	t.touch(s)
	s.packet(t, payload, at, ns)
	return ClassRTP, s
}

func (t *Table) notRTP(onPort bool) (Class, *Stream) {
	if onPort {
		t.stats.Malformed++
		return ClassMalformed, nil
	}
	t.stats.NotRTP++
	return ClassNotRTP, nil
}

// newStream creates the stream k, evicting the least recently active one if
// the table is full and that one has been idle for a second. It returns nil
// when the table is full of active streams.
func (t *Table) newStream(k Key, ns int64) *Stream {
	if t.streams.n >= t.cfg.MaxStreams {
		if t.tail == nil || ns-t.tail.lastNs < int64(time.Second) {
			return nil
		}
		t.end(t.tail, EndEvicted)
	}
	s := &Stream{Key: k}
	t.streams.put(s)
	t.bySSRC[k.SSRC] = append(t.bySSRC[k.SSRC], s)
	t.pushFront(s)
	t.stats.StreamsCreated++
	return s
}

// touch moves s to the front of the least-recently-active list.
func (t *Table) touch(s *Stream) {
	if t.head == s {
		return
	}
	// s is linked and not the head, so it has a predecessor: unlink and
	// pushFront written out, without the checks and stores they need in
	// general.
	p, n := s.prev, s.next
	p.next = n
	if n != nil {
		n.prev = p
	} else {
		t.tail = p
	}
	s.prev, s.next = nil, t.head
	t.head.prev = s
	t.head = s
}

func (t *Table) pushFront(s *Stream) {
	s.prev, s.next = nil, t.head
	if t.head != nil {
		t.head.prev = s
	}
	t.head = s
	if t.tail == nil {
		t.tail = s
	}
}

func (t *Table) unlink(s *Stream) {
	if s.prev != nil {
		s.prev.next = s.next
	} else if t.head == s {
		t.head = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	} else if t.tail == s {
		t.tail = s.prev
	}
	s.prev, s.next = nil, nil
}

// end removes s from the table, delivering its remaining audio first.
func (t *Table) end(s *Stream, why EndReason) {
	if !s.ended {
		s.endAudio(&t.cfg, t.sink)
	}
	t.unlink(s)
	t.streams.remove(s)
	list := t.bySSRC[s.Key.SSRC]
	for i, o := range list {
		if o == s {
			list = append(list[:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(t.bySSRC, s.Key.SSRC)
	} else {
		t.bySSRC[s.Key.SSRC] = list
	}
	switch why {
	case EndIdle:
		t.stats.Expired++
	case EndEvicted:
		t.stats.Evicted++
	case EndFlush:
		t.stats.Flushed++
	}
	if t.sink != nil {
		t.sink.End(s, why)
	}
}

// sweep ends streams and forgets candidates idle for longer than the idle
// timeout, by packet time.
func (t *Table) sweep(at time.Time, ns int64) {
	t.lastSweep = ns
	for t.tail != nil && ns-t.tail.lastNs > int64(t.cfg.IdleTimeout) {
		t.end(t.tail, EndIdle)
	}
	for k, c := range t.cands {
		if at.Sub(c.last) > t.cfg.IdleTimeout {
			delete(t.cands, k)
			t.stats.CandidatesDropped++
		}
	}
}

// Flush ends every live stream (end of capture, shutdown): remaining audio is
// delivered and the sink's End called for each, oldest activity first.
func (t *Table) Flush() {
	for t.tail != nil {
		t.end(t.tail, EndFlush)
	}
	clear(t.cands)
}
