package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
)

// maxEagerRecord is the largest record a pcap file may hold whatever snap
// length it declares, as in pcapgo: writers that do not truncate to their
// declared snap length exist, and tcpdump and Wireshark read their records.
const maxEagerRecord = 262144

// maxEmptyReads is how many reads in a row may return nothing before the
// input is taken as stuck (as bufio does).
const maxEmptyReads = 100

// pcapRecords holds the records of a pcap file after its header in a read
// window that it fills from the input in large reads; [Reader.Next]
// decodes each record header and returns its packet data in place, from
// the window. Together they accept and refuse exactly what pcapgo's Reader
// does, with the same messages; they exist because pcapgo's per-record
// path (two io.ReadFull calls through a bufio.Reader, copying every
// packet) costs more than the rest of a packet's analysis.
//
// The window grows to hold the largest record met, in doublings as its
// bytes actually arrive, so a header claiming a huge record in a short
// file cannot make it allocate more than twice what the file holds.
type pcapRecords struct {
	src    io.Reader
	buf    []byte // the window; unread bytes are buf[r:w]
	r, w   int
	err    error  // from src, once it has failed or ended
	swap   bool   // big-endian file
	factor uint32 // nanoseconds per timestamp fraction unit: 1 or 1000
	// maxLen is the longest record taken: the snap length or
	// maxEagerRecord, whichever is larger.
	maxLen  int
	snaplen uint32
}

// newPcapRecords reads records of a file with the given magic (as read
// big-endian from its first 4 bytes) and snap length from src, starting
// with the bytes in pending (already read from src, the header excluded).
func newPcapRecords(src io.Reader, pending []byte, magic, snaplen uint32) *pcapRecords {
	p := &pcapRecords{src: src, snaplen: snaplen, factor: 1000, maxLen: maxEagerRecord}
	switch magic {
	case 0xa1b2c3d4, 0xa1b23c4d:
		p.swap = true
	}
	if magic == 0xa1b23c4d || magic == 0x4d3cb2a1 {
		p.factor = 1
	}
	if int64(snaplen) > maxEagerRecord {
		p.maxLen = int(snaplen)
	}
	p.buf = make([]byte, max(bufferSize, len(pending)))
	p.w = copy(p.buf, pending)
	return p
}

// header decodes a record header: seconds, fraction of a second, captured
// length, length on the wire.
func (p *pcapRecords) header(h *[16]byte) (sec, frac, caplen, length uint32) {
	le := binary.LittleEndian
	sec, frac, caplen, length = le.Uint32(h[0:4]), le.Uint32(h[4:8]), le.Uint32(h[8:12]), le.Uint32(h[12:16])
	if p.swap {
		sec, frac = bits.ReverseBytes32(sec), bits.ReverseBytes32(frac)
		caplen, length = bits.ReverseBytes32(caplen), bits.ReverseBytes32(length)
	}
	return sec, frac, caplen, length
}

// lengthError is pcapgo's error for a record header whose captured length
// exceeds the longest record taken or the length on the wire.
func (p *pcapRecords) lengthError(caplen, length uint32) error {
	if int(caplen) > p.maxLen {
		return fmt.Errorf("capture length exceeds snap length: %d > %d", caplen, p.snaplen)
	}
	return fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length)
}

// short is the error for a record the input ended or failed inside.
func (p *pcapRecords) short() error {
	if p.err != io.EOF {
		return p.err
	}
	if p.r == p.w {
		return io.EOF
	}
	return io.ErrUnexpectedEOF
}

// fill reads until the window holds n unread bytes, and reports whether it
// does; when not, p.err says why.
func (p *pcapRecords) fill(n int) bool {
	if p.r > 0 {
		p.w = copy(p.buf, p.buf[p.r:p.w])
		p.r = 0
	}
	for empty := 0; p.w < n; {
		if p.err != nil {
			return false
		}
		if p.w == len(p.buf) {
			// Grow by doubling, and only once the bytes so far have come.
			grown := make([]byte, min(2*len(p.buf), max(n, bufferSize)))
			copy(grown, p.buf[:p.w])
			p.buf = grown
		}
		m, err := p.src.Read(p.buf[p.w:])
		p.w += m
		switch {
		case err != nil:
			p.err = err
		case m == 0:
			if empty++; empty == maxEmptyReads {
				p.err = io.ErrNoProgress
			}
		default:
			empty = 0
		}
	}
	return true
}
