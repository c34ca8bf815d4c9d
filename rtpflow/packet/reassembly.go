package packet

import (
	"fmt"
	"time"
)

// MaxFragments is the most pieces one datagram may be made of; the
// fragments of a datagram with more are skipped (counted).
const MaxFragments = 128

// fragKey identifies the datagram a fragment belongs to: (src, dst, id,
// protocol) for IPv4 (RFC 791), (src, dst, id) for IPv6 (RFC 8200).
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	v6       bool
}

// fragment is one IP fragment of a possible UDP datagram.
type fragment struct {
	key  fragKey
	off  int    // byte offset of data in the datagram's fragmentable part
	data []byte // aliases the frame
	more bool   // more fragments follow
	nh   byte   // protocol of the fragmentable part (IPv6: per fragment header)
	max  int    // the end offset no fragment may pass
}

// span is the byte range [start, end) one held fragment covers.
type span struct{ start, end int }

// datagram is a datagram being reassembled.
type datagram struct {
	key   fragKey
	first time.Time // timestamp of its first fragment to arrive
	buf   []byte    // the fragmentable part; grown as pieces arrive, kept when the slot is freed
	spans []span
	total int // length of the fragmentable part, -1 until the last piece arrives
	have  int // bytes held
	nh    byte
	used  bool
}

// reassembler holds the datagrams being reassembled. Its slots, their
// buffers and the index are allocated on first use and reused after.
type reassembler struct {
	slots  []datagram
	free   []int // unused slots, most recently freed last
	index  map[fragKey]int
	active int
	oldest time.Time // no held datagram started before this
}

// fragment handles a fragment: checks it, and with reassembly on holds it,
// returning the whole datagram when it is the last piece missing.
func (d *Decoder) fragment(f fragment, ts time.Time, out *UDP) (Kind, error) {
	layer := "ipv4"
	if f.key.v6 {
		layer = "ipv6"
	}
	end := f.off + len(f.data)
	if end > f.max {
		return KindMalformed, fmt.Errorf("%s: fragment of %d bytes at offset %d ends beyond byte %d: %w", layer, len(f.data), f.off, f.max, ErrInvalid)
	}
	if f.more && (len(f.data) == 0 || len(f.data)%8 != 0) {
		return KindMalformed, fmt.Errorf("%s: fragment of %d bytes is not the last but not a multiple of 8: %w", layer, len(f.data), ErrInvalid)
	}
	d.stats.Fragments++
	if !d.cfg.Reassemble {
		d.stats.FragmentsSkipped++
		return KindFragment, nil
	}
	r := &d.frags
	i, ok := r.index[f.key]
	if !ok {
		i = d.open(f.key, ts)
	}
	g := &r.slots[i]
	maxEnd := 0
	for _, s := range g.spans {
		if s.start == f.off && s.end == end {
			// An exact duplicate: ignored, the datagram kept (as Linux does).
			d.stats.FragmentsSkipped++
			return KindFragment, nil
		}
		if f.off < s.end && s.start < end {
			d.drop(i, &d.stats.FragmentsOverlapping, 1)
			return KindFragment, nil
		}
		maxEnd = max(maxEnd, s.end)
	}
	if (!f.more && (g.total >= 0 || maxEnd > end)) || (f.more && g.total >= 0 && end > g.total) {
		// A second last piece, or pieces past the end: inconsistent.
		d.drop(i, &d.stats.FragmentsOverlapping, 1)
		return KindFragment, nil
	}
	if len(g.spans) == MaxFragments {
		d.drop(i, &d.stats.FragmentsSkipped, 1)
		return KindFragment, nil
	}
	if end > len(g.buf) {
		if end > cap(g.buf) {
			grown := make([]byte, end, min(max(end, 2*cap(g.buf)), 0xffff))
			copy(grown, g.buf)
			g.buf = grown
		}
		g.buf = g.buf[:end]
	}
	copy(g.buf[f.off:], f.data)
	g.spans = append(g.spans, span{f.off, end})
	g.have += len(f.data)
	if !f.more {
		g.total = end
	}
	if f.off == 0 {
		g.nh = f.nh
	}
	if g.total < 0 || g.have != g.total {
		return KindFragment, nil
	}

	// Complete: no overlaps, and as many bytes as the datagram is long.
	d.stats.Reassembled++
	buf, nh := g.buf[:g.total], g.nh
	r.close(i) // buf stays valid until the slot is reused, on a later call
	out.Reassembled = true
	out.NetworkOffset = -1
	hops := 0
	nh, pos, err := skipExtensions(buf, 0, nh, &hops)
	if err != nil {
		return KindMalformed, err
	}
	if nh != protoUDP {
		return KindNotUDP, nil
	}
	k, err := udp(buf, pos, len(buf), out)
	out.TransportOffset = -1
	return k, err
}

// open starts holding a new datagram, evicting the oldest when the table
// is full, and returns its slot.
func (d *Decoder) open(key fragKey, ts time.Time) int {
	r := &d.frags
	if r.index == nil {
		r.index = make(map[fragKey]int, d.cfg.MaxPending)
		r.slots = make([]datagram, 0, d.cfg.MaxPending)
		r.free = make([]int, 0, d.cfg.MaxPending)
	}
	if r.active >= d.cfg.MaxPending {
		oldest := -1
		for i := range r.slots {
			if r.slots[i].used && (oldest < 0 || r.slots[i].first.Before(r.slots[oldest].first)) {
				oldest = i
			}
		}
		d.drop(oldest, &d.stats.FragmentsExpired, 0)
	}
	var i int
	if n := len(r.free); n > 0 {
		// The slot freed last: its buffer is warm, and likely big enough.
		i, r.free = r.free[n-1], r.free[:n-1]
	} else {
		i = len(r.slots)
		r.slots = r.slots[:i+1]
	}
	if r.active == 0 || ts.Before(r.oldest) {
		r.oldest = ts
	}
	r.active++
	g := &r.slots[i]
	g.key, g.first, g.used = key, ts, true
	g.buf, g.spans = g.buf[:0], g.spans[:0]
	g.total, g.have, g.nh = -1, 0, 0
	r.index[key] = i
	return i
}

// drop discards the datagram in slot i, adding its fragments, and the
// extra ones being handled, to counter.
func (d *Decoder) drop(i int, counter *uint64, extra int) {
	*counter += uint64(len(d.frags.slots[i].spans) + extra)
	d.frags.close(i)
}

// close frees slot i. Its buffer is kept for reuse.
func (r *reassembler) close(i int) {
	g := &r.slots[i]
	delete(r.index, g.key)
	g.used = false
	g.spans = g.spans[:0]
	r.free = append(r.free, i)
	r.active--
}

// expire drops the datagrams whose first fragment is older than the
// timeout at packet time ts.
func (d *Decoder) expire(ts time.Time) {
	r := &d.frags
	if ts.Sub(r.oldest) <= d.cfg.Timeout {
		return
	}
	first := true
	for i := range r.slots {
		g := &r.slots[i]
		if !g.used {
			continue
		}
		if ts.Sub(g.first) > d.cfg.Timeout {
			d.stats.FragmentsExpired += uint64(len(g.spans))
			r.close(i)
			continue
		}
		if first || g.first.Before(r.oldest) {
			r.oldest, first = g.first, false
		}
	}
}

func (r *reassembler) pendingFragments() int {
	n := 0
	for i := range r.slots {
		if r.slots[i].used {
			n += len(r.slots[i].spans)
		}
	}
	return n
}
