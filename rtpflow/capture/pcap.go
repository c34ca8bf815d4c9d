package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"time"
)

// maxEagerRecord is the largest record a pcap file may hold whatever snap
// length it declares, as in pcapgo: writers that do not truncate to their
// declared snap length exist, and tcpdump and Wireshark read their records.
const maxEagerRecord = 262144

// maxEmptyReads is how many reads in a row may return nothing before the
// input is taken as stuck (as bufio does).
const maxEmptyReads = 100

// pcapRecords reads the records of a pcap file after its header, in place:
// record headers are decoded and packet data returned straight from a read
// window that it fills from the input in large reads. It accepts and
// refuses exactly what pcapgo's Reader does, with the same messages; it
// exists because pcapgo's per-record path (two io.ReadFull calls through a
// bufio.Reader, copying every packet) costs more than the rest of a
// packet's analysis.
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

func (p *pcapRecords) u32(b []byte) uint32 {
	v := binary.LittleEndian.Uint32(b)
	if p.swap {
		v = bits.ReverseBytes32(v)
	}
	return v
}

// next returns the next record's data and fills in info's time and
// lengths. data aliases the window and is valid until the next call; its
// capacity ends with it. The error is io.EOF at a clean end (no byte of a
// further record), io.ErrUnexpectedEOF when the input ends inside a
// record, the input's own error, or a description of an impossible record.
func (p *pcapRecords) next(info *Info) ([]byte, error) {
	if p.w-p.r < 16 && !p.fill(16) {
		return nil, p.short()
	}
	h := p.buf[p.r : p.r+16]
	sec, frac := p.u32(h[0:4]), p.u32(h[4:8])
	caplen, length := p.u32(h[8:12]), p.u32(h[12:16])
	n := int(caplen)
	if n > p.maxLen {
		return nil, fmt.Errorf("capture length exceeds snap length: %d > %d", n, p.snaplen)
	}
	if caplen > length {
		return nil, fmt.Errorf("capture length exceeds original packet length: %d > %d", caplen, length)
	}
	end := 16 + n
	if p.w-p.r < end && !p.fill(end) {
		return nil, p.short()
	}
	start := p.r + 16
	end += p.r
	p.r = end
	info.Timestamp = time.Unix(int64(sec), int64(frac*p.factor)).UTC()
	info.CaptureLength, info.Length = n, int(length)
	return p.buf[start:end:end], nil
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
