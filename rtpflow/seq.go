package rtpflow

// seqUnwrapper extends 16-bit RTP sequence numbers to 64 bits, relative to
// the highest sequence number seen (RFC 3550 A.1): a number up to 32767
// ahead of the maximum is new (wrapping the cycle count when it is
// numerically smaller), anything else is late.
type seqUnwrapper struct {
	max    uint64 // highest extended sequence number seen
	inited bool
}

// extend returns the extended sequence number of seq and whether it is the
// new maximum. The first call defines cycle 1 (so that late packets from
// before the first one remain positive).
func (u *seqUnwrapper) extend(seq uint16) (ext uint64, ahead bool) {
	if !u.inited {
		u.inited = true
		u.max = 1<<16 | uint64(seq)
		return u.max, true
	}
	delta := seq - uint16(u.max)
	if delta < 0x8000 {
		ext = u.max + uint64(delta)
		if delta != 0 {
			u.max = ext
			return ext, true
		}
		return ext, false
	}
	back := uint64(uint16(u.max) - seq)
	if back > u.max { // cannot happen after the first cycle offset, but stay defined
		return 0, false
	}
	return u.max - back, false
}

// tsUnwrapper extends 32-bit RTP timestamps to 64 bits relative to the last
// timestamp seen, in both directions.
type tsUnwrapper struct {
	last   uint64
	inited bool
}

func (u *tsUnwrapper) extend(ts uint32) uint64 {
	if !u.inited {
		u.inited = true
		u.last = 1<<32 | uint64(ts)
		return u.last
	}
	delta := int32(ts - uint32(u.last))
	u.last = uint64(int64(u.last) + int64(delta))
	return u.last
}

// seenWindow remembers which of the last 1024 extended sequence numbers below
// the maximum have been received, to tell duplicates from late packets.
type seenWindow struct {
	bits [16]uint64
	top  uint64 // highest sequence number recorded
}

const seenSpan = 16 * 64

// mark records ext and reports whether it had been seen before. Numbers
// older than the window are reported as not seen.
func (w *seenWindow) mark(ext uint64) (dup bool) {
	if ext > w.top {
		// Clear the bits of the numbers skipped over.
		if ext-w.top >= seenSpan {
			w.bits = [16]uint64{}
		} else {
			for s := w.top + 1; s < ext; s++ {
				w.bits[(s/64)%16] &^= 1 << (s % 64)
			}
		}
		w.top = ext
		w.bits[(ext/64)%16] |= 1 << (ext % 64)
		return false
	}
	if w.top-ext >= seenSpan {
		return false
	}
	i, b := (ext/64)%16, uint64(1)<<(ext%64)
	if w.bits[i]&b != 0 {
		return true
	}
	w.bits[i] |= b
	return false
}
