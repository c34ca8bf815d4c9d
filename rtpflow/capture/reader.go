package capture

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// bufferSize is the read buffer between the input and the pcapgo readers.
const bufferSize = 64 << 10

// Info describes one packet.
type Info struct {
	Timestamp     time.Time       // capture time, UTC, at the file's resolution
	CaptureLength int             // bytes captured: len(data)
	Length        int             // bytes on the wire; more than CaptureLength when cut by the snaplen
	LinkType      packet.LinkType // of the interface the packet was captured on
	Interface     int             // pcapng interface index within its section; 0 for pcap
}

// Reader reads packets from a pcap or pcapng stream. It is not safe for
// concurrent use.
type Reader struct {
	name    string
	format  string
	in      *counter      // counts the bytes pulled into buf
	buf     *bufio.Reader // what the pcapgo readers read, unwrapped
	pcap    *pcapRecords  // pcap: the records, read in place
	ng      *pcapgo.NgReader
	link    packet.LinkType // pcap: the file's link type
	packets int
	offset  int64 // pcap: the end of the last record returned
	err     error // sticky: io.EOF or *Error
}

// counter counts the bytes read through it.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// NewReader reads the file header from r and returns a Reader for its
// packets. name is used in errors only. A gzip-compressed capture is
// decompressed on the fly; offsets then count decompressed bytes.
func NewReader(r io.Reader, name string) (*Reader, error) {
	rd := &Reader{name: name}
	rd.in = &counter{r: r}
	rd.buf = bufio.NewReaderSize(rd.in, bufferSize)
	magic, err := rd.sniff()
	if err != nil {
		return nil, err
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(rd.buf)
		if err != nil {
			return nil, rd.headerError(err)
		}
		rd.in = &counter{r: gz}
		rd.buf = bufio.NewReaderSize(rd.in, bufferSize)
		if magic, err = rd.sniff(); err != nil {
			return nil, err
		}
	}
	switch binary.BigEndian.Uint32(magic) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		rd.format = "pcap"
		m := binary.BigEndian.Uint32(magic)
		// pcapgo checks the header; it wraps its input in a bufio.Reader,
		// which returns rd.buf itself, so it takes exactly the 24 bytes.
		h, err := pcapgo.NewReader(rd.buf)
		if err != nil {
			return nil, rd.headerError(err)
		}
		pending, _ := rd.buf.Peek(rd.buf.Buffered())
		rd.pcap = newPcapRecords(rd.in, pending, m, h.Snaplen())
		rd.link = packet.LinkType(h.LinkType())
		rd.offset = 24
	case 0x0a0d0d0a:
		rd.format = "pcapng"
		if rd.ng, err = pcapgo.NewNgReader(rd.buf, pcapgo.NgReaderOptions{WantMixedLinkType: true}); err != nil {
			return nil, rd.headerError(err)
		}
	default:
		return nil, fmt.Errorf("%s: %w (starts with %#x)", name, ErrNotCapture, magic)
	}
	return rd, nil
}

// sniff returns the first 4 bytes of the stream without consuming them.
func (r *Reader) sniff() ([]byte, error) {
	magic, err := r.buf.Peek(4)
	switch {
	case len(magic) == 0 && err == io.EOF:
		return nil, fmt.Errorf("%s: empty file: %w", r.name, ErrNotCapture)
	case err == io.EOF:
		return nil, fmt.Errorf("%s: %w (%d bytes: %#x)", r.name, ErrNotCapture, len(magic), magic)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", r.name, err)
	}
	return magic, nil
}

func (r *Reader) headerError(err error) error {
	re := &recordError{kind: ErrCorrupt, what: "bad file header", header: true, cause: err}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		re.kind, re.what, re.cause = ErrTruncated, "truncated file header", io.ErrUnexpectedEOF
	}
	return &Error{File: r.name, Err: re}
}

// consumed is the number of bytes the pcapgo reader has taken.
func (r *Reader) consumed() int64 {
	return r.in.n - int64(r.buf.Buffered())
}

// Next returns the next packet. data is owned by the Reader and valid
// until the next call. At a clean end of the file it returns io.EOF; a
// truncated or corrupt record yields an *Error, and every later call
// returns the same.
func (r *Reader) Next() (data []byte, info Info, err error) {
	if r.err != nil {
		return nil, Info{}, r.err
	}
	if p := r.pcap; p != nil {
		// A record: a 16-byte header (seconds, fraction, captured
		// length, length on the wire) and the captured bytes. The
		// error at a clean end, inside a record, or on a failed read
		// comes from short. Written out here, not in a method of
		// pcapRecords, to save a call per packet.
		if p.w-p.r < 16 && !p.fill(16) {
			return nil, Info{}, r.fail(p.short(), r.offset)
		}
		sec, frac, caplen, length := p.header((*[16]byte)(p.buf[p.r:]))
		if int(caplen) > p.maxLen || caplen > length {
			return nil, Info{}, r.fail(p.lengthError(caplen, length), r.offset)
		}
		end := 16 + int(caplen)
		if p.w-p.r < end && !p.fill(end) {
			return nil, Info{}, r.fail(p.short(), r.offset)
		}
		start := p.r + 16
		end += p.r
		p.r = end
		r.offset += int64(end - start + 16)
		r.packets++
		info = Info{
			Timestamp:     time.Unix(int64(sec), int64(frac*p.factor)).UTC(),
			CaptureLength: int(caplen),
			Length:        int(length),
			LinkType:      r.link,
		}
		return p.buf[start:end:end], info, nil
	}
	start := r.consumed()
	data, ci, err := r.ng.ZeroCopyReadPacketData()
	if err != nil {
		// pcapng reports io.EOF only between blocks.
		return nil, Info{}, r.fail(err, start)
	}
	info = Info{Timestamp: ci.Timestamp, CaptureLength: ci.CaptureLength, Length: ci.Length, Interface: ci.InterfaceIndex}
	if len(ci.AncillaryData) > 0 {
		lt, _ := ci.AncillaryData[0].(layers.LinkType)
		info.LinkType = packet.LinkType(lt)
	}
	r.packets++
	return data, info, nil
}

// fail makes err, met reading the record at offset start, the sticky
// error: io.EOF at a clean end, else an *Error.
func (r *Reader) fail(err error, start int64) error {
	if err == io.EOF {
		// Both readers report io.EOF only between records.
		r.err = io.EOF
		return r.err
	}
	re := &recordError{kind: ErrCorrupt, what: "corrupt record", cause: err}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		re.kind, re.what, re.cause = ErrTruncated, "truncated record", io.ErrUnexpectedEOF
	}
	r.err = &Error{File: r.name, Offset: start, Packets: r.packets, Err: re}
	return r.err
}

// Packets returns the number of packets returned so far.
func (r *Reader) Packets() int { return r.packets }

// Offset returns the number of bytes of the capture consumed so far, for
// progress reports, and is the Offset of an *Error.
//
// For pcap it is exact: 24 + the sum of 16 + CaptureLength over the
// records returned, the start of the next record. For pcapng it is exact
// too, counted through the reader: the end of the block holding the last
// packet returned. An error's Offset therefore points at the failing block
// itself unless well-formed non-packet blocks (interface descriptions,
// statistics, name resolution) come between, in which case it points at
// the first of those. For gzip-compressed input both count decompressed
// bytes.
func (r *Reader) Offset() int64 {
	if r.pcap != nil {
		return r.offset
	}
	return r.consumed()
}

// Format returns "pcap" or "pcapng".
func (r *Reader) Format() string { return r.format }
