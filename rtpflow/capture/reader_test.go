package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// rec is a packet as a test writes it and expects it back.
type rec struct {
	ts     time.Time
	data   []byte
	length int // on the wire; 0 means len(data)
	iface  int
	lt     packet.LinkType
}

func (p rec) wire() int {
	if p.length == 0 {
		return len(p.data)
	}
	return p.length
}

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

// records returns n packets of varied sizes and contents, 20 ms apart.
func records(n int) []rec {
	ps := make([]rec, n)
	for i := range ps {
		d := make([]byte, 40+(i*37)%300)
		for j := range d {
			d[j] = byte(i + j)
		}
		ps[i] = rec{ts: t0.Add(time.Duration(i) * 20 * time.Millisecond), data: d, lt: packet.LinkEthernet}
	}
	return ps
}

// writePcap writes ps with pcapgo's writer (little-endian), and converts
// the result to big-endian when asked (pcapgo writes only little-endian).
func writePcap(tb testing.TB, ps []rec, nanos, bigEndian bool) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	if nanos {
		w = pcapgo.NewWriterNanos(&buf)
	}
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		tb.Fatal(err)
	}
	for _, p := range ps {
		ci := gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: p.wire()}
		if err := w.WritePacket(ci, p.data); err != nil {
			tb.Fatal(err)
		}
	}
	b := buf.Bytes()
	if bigEndian {
		swap := func(b []byte) {
			for i := 0; i+4 <= len(b); i += 4 {
				binary.BigEndian.PutUint32(b[i:], binary.LittleEndian.Uint32(b[i:]))
			}
		}
		swap(b[0:4])
		binary.BigEndian.PutUint16(b[4:], binary.LittleEndian.Uint16(b[4:]))
		binary.BigEndian.PutUint16(b[6:], binary.LittleEndian.Uint16(b[6:]))
		swap(b[8:24])
		for off := 24; off < len(b); {
			n := int(binary.LittleEndian.Uint32(b[off+8:]))
			swap(b[off : off+16])
			off += 16 + n
		}
	}
	return b
}

// writeNg writes ps to a pcapng file with one interface per link type
// used, in order of first use.
func writeNg(tb testing.TB, ps []rec) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{LinkType: layers.LinkType(ps[0].lt), SnapLength: 65535}, pcapgo.NgWriterOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	ifaces := map[packet.LinkType]int{ps[0].lt: 0}
	for i := range ps {
		p := &ps[i]
		id, ok := ifaces[p.lt]
		if !ok {
			if id, err = w.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkType(p.lt), SnapLength: 65535}); err != nil {
				tb.Fatal(err)
			}
			ifaces[p.lt] = id
		}
		p.iface = id
		ci := gopacket.CaptureInfo{Timestamp: p.ts, CaptureLength: len(p.data), Length: p.wire(), InterfaceIndex: id}
		if err := w.WritePacket(ci, p.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// readAll reads packets until an error and returns copies, the error and
// Offset after each packet.
func readAll(tb testing.TB, r *Reader) ([]rec, []int64, error) {
	var got []rec
	var offs []int64
	for {
		data, info, err := r.Next()
		if err != nil {
			return got, offs, err
		}
		if info.CaptureLength != len(data) {
			tb.Fatalf("packet %d: CaptureLength %d, data %d bytes", len(got), info.CaptureLength, len(data))
		}
		got = append(got, rec{ts: info.Timestamp, data: bytes.Clone(data), length: info.Length, iface: info.Interface, lt: info.LinkType})
		offs = append(offs, r.Offset())
	}
}

// diffRecs returns "" when got matches want, else a (-want +got) report of
// the first difference.
func diffRecs(want, got []rec, resolution time.Duration) string {
	if len(want) != len(got) {
		return fmt.Sprintf("-%d packets\n+%d packets", len(want), len(got))
	}
	for i := range want {
		w, g := want[i], got[i]
		if !w.ts.Truncate(resolution).Equal(g.ts) || !bytes.Equal(w.data, g.data) || w.wire() != g.length || w.iface != g.iface || w.lt != g.lt {
			return fmt.Sprintf("packet %d:\n-ts=%v len=%d wire=%d iface=%d lt=%v\n+ts=%v len=%d wire=%d iface=%d lt=%v",
				i, w.ts.Truncate(resolution), len(w.data), w.wire(), w.iface, w.lt, g.ts, len(g.data), g.length, g.iface, g.lt)
		}
	}
	return ""
}

func TestReaderPcapMagics(t *testing.T) {
	tests := []struct {
		name       string
		nanos, be  bool
		magic      string
		resolution time.Duration
	}{
		{"microseconds-little-endian", false, false, "d4c3b2a1", time.Microsecond},
		{"microseconds-big-endian", false, true, "a1b2c3d4", time.Microsecond},
		{"nanoseconds-little-endian", true, false, "4d3cb2a1", time.Nanosecond},
		{"nanoseconds-big-endian", true, true, "a1b23c4d", time.Nanosecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := records(50)
			ps[3].length = 1500 // cut by the snaplen: returned as it is
			file := writePcap(t, ps, tc.nanos, tc.be)
			if got := fmt.Sprintf("%x", file[:4]); got != tc.magic {
				t.Fatalf("test file starts with %s, want %s", got, tc.magic)
			}
			r, err := NewReader(bytes.NewReader(file), "x.pcap")
			if err != nil {
				t.Fatal(err)
			}
			if r.Format() != "pcap" || r.Offset() != 24 {
				t.Errorf("Format, Offset = %q, %d; want pcap, 24", r.Format(), r.Offset())
			}
			got, offs, err := readAll(t, r)
			if err != io.EOF {
				t.Errorf("final error = %v, want io.EOF", err)
			}
			if diff := diffRecs(ps, got, tc.resolution); diff != "" {
				t.Errorf("packets (-want +got):\n%s", diff)
			}
			want := int64(24)
			for i, p := range ps {
				want += 16 + int64(len(p.data))
				if offs[i] != want {
					t.Fatalf("Offset after packet %d = %d, want %d", i, offs[i], want)
				}
			}
			if r.Offset() != int64(len(file)) || r.Packets() != len(ps) {
				t.Errorf("Offset, Packets = %d, %d; want %d, %d", r.Offset(), r.Packets(), len(file), len(ps))
			}
			if _, _, err := r.Next(); err != io.EOF {
				t.Errorf("Next after the end = %v, want io.EOF", err)
			}
		})
	}
}

func TestReaderPcapngInterfaces(t *testing.T) {
	ps := records(30)
	for i := range ps {
		if i%3 == 1 {
			ps[i].lt = packet.LinkRaw
		}
		if i%7 == 6 {
			ps[i].lt = packet.LinkLinuxSLL2
		}
	}
	file := writeNg(t, ps)
	r, err := NewReader(bytes.NewReader(file), "two.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	got, offs, err := readAll(t, r)
	if err != io.EOF {
		t.Errorf("final error = %v, want io.EOF", err)
	}
	if diff := diffRecs(ps, got, time.Nanosecond); diff != "" {
		t.Errorf("packets (-want +got):\n%s", diff)
	}
	if r.Format() != "pcapng" || r.Offset() != int64(len(file)) {
		t.Errorf("Format, Offset = %q, %d; want pcapng, %d", r.Format(), r.Offset(), len(file))
	}
	// Each offset is the end of an enhanced packet block: a block of type 6
	// must start there, or the file ends.
	for i, off := range offs[:len(offs)-1] {
		if typ := binary.LittleEndian.Uint32(file[off:]); typ != 6 && typ != 1 {
			t.Errorf("Offset after packet %d = %d, where a block of type %d starts", i, off, typ)
		}
	}
}

// TestReaderIndependentWriter reads files written by Wireshark's editcap
// and mergecap, a writer independent of pcapgo.
func TestReaderIndependentWriter(t *testing.T) {
	editcap, err1 := exec.LookPath("editcap")
	mergecap, err2 := exec.LookPath("mergecap")
	if err1 != nil || err2 != nil {
		t.Skip("editcap/mergecap not installed (apt-get install tshark)")
	}
	dir := t.TempDir()
	eth := records(20)
	raw := records(10)
	for i := range raw {
		raw[i].lt = packet.LinkRaw
		raw[i].ts = raw[i].ts.Add(5 * time.Millisecond)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ethFile := write("eth.pcap", writePcap(t, eth, true, false))
	rawFile := write("raw.pcapng", writeNg(t, raw))
	run := func(args ...string) {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	ng := filepath.Join(dir, "eth.pcapng")
	run(editcap, "-F", "pcapng", ethFile, ng)
	be := filepath.Join(dir, "eth-usec.pcap")
	run(editcap, "-F", "pcap", ethFile, be)
	merged := filepath.Join(dir, "merged.pcapng")
	run(mergecap, "-F", "pcapng", "-w", merged, ethFile, rawFile)

	var both []rec
	for i, j := 0, 0; i < len(eth) || j < len(raw); {
		if j == len(raw) || i < len(eth) && eth[i].ts.Before(raw[j].ts) {
			both = append(both, eth[i])
			i++
		} else {
			r := raw[j]
			r.iface = 1
			both = append(both, r)
			j++
		}
	}
	tests := []struct {
		file, format string
		want         []rec
		resolution   time.Duration
	}{
		{ng, "pcapng", eth, time.Nanosecond},
		{be, "pcap", eth, time.Microsecond},
		{merged, "pcapng", both, time.Nanosecond},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			f, err := os.Open(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := NewReader(f, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := readAll(t, r)
			if err != io.EOF || r.Format() != tc.format {
				t.Errorf("final error, Format = %v, %q; want io.EOF, %q", err, r.Format(), tc.format)
			}
			if diff := diffRecs(tc.want, got, tc.resolution); diff != "" {
				t.Errorf("packets (-want +got):\n%s", diff)
			}
			if st, _ := f.Stat(); r.Offset() != st.Size() {
				t.Errorf("Offset at the end = %d, file size %d", r.Offset(), st.Size())
			}
		})
	}
}

// TestReaderTruncated cuts a small file at every byte of its last record:
// the packets before come back, then an error naming the file and the
// record, and the same error ever after. Nothing panics.
func TestReaderTruncated(t *testing.T) {
	ps := records(5)
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			file, resolution := writePcap(t, ps, false, false), time.Microsecond
			if format == "pcapng" {
				file, resolution = writeNg(t, ps), time.Nanosecond
			}
			// Where the last record starts: read the whole file first.
			r, err := NewReader(bytes.NewReader(file), "whole")
			if err != nil {
				t.Fatal(err)
			}
			var last int64
			for range len(ps) - 1 {
				if _, _, err := r.Next(); err != nil {
					t.Fatal(err)
				}
				last = r.Offset()
			}
			for cut := last; cut < int64(len(file)); cut++ {
				r, err := NewReader(bytes.NewReader(file[:cut]), "call."+format)
				if err != nil {
					t.Fatalf("cut at %d: NewReader: %v", cut, err)
				}
				got, _, err := readAll(t, r)
				if diff := diffRecs(ps[:len(ps)-1], got, resolution); diff != "" {
					t.Fatalf("cut at %d: packets (-want +got):\n%s", cut, diff)
				}
				if cut == last {
					if err != io.EOF {
						t.Fatalf("cut at a record boundary %d: error %v, want io.EOF", cut, err)
					}
					continue
				}
				var e *Error
				if !errors.As(err, &e) || !errors.Is(err, ErrTruncated) || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("cut at %d: error %v, want an *Error wrapping ErrTruncated", cut, err)
				}
				want := fmt.Sprintf("call.%s: truncated record at byte %d after 4 packets: unexpected EOF", format, last)
				if err.Error() != want || e.Offset != last || e.Packets != 4 || e.File != "call."+format {
					t.Fatalf("cut at %d: error %q (%+v), want %q", cut, err, e, want)
				}
				if _, _, again := r.Next(); again != err {
					t.Fatalf("cut at %d: Next after the error = %v, want the same error", cut, again)
				}
			}
		})
	}
}

func TestReaderBadFiles(t *testing.T) {
	pcap := writePcap(t, records(3), false, false)
	huge := bytes.Clone(pcap)
	binary.LittleEndian.PutUint32(huge[24+8:], 1<<30) // captured length 1 GiB
	binary.LittleEndian.PutUint32(huge[24+12:], 1<<30)
	ng := writeNg(t, records(3))
	badIface := bytes.Clone(ng)
	// The first enhanced packet block follows the section header and
	// interface blocks; its interface id is 8 bytes in.
	shbLen := binary.LittleEndian.Uint32(ng[4:])
	idbLen := binary.LittleEndian.Uint32(ng[shbLen+4:])
	binary.LittleEndian.PutUint32(badIface[shbLen+idbLen+8:], 5)
	tests := []struct {
		name string
		file []byte
		err  error
		msg  string // whole message, or "" to check only err
	}{
		{"empty", nil, ErrNotCapture, "x.pcap: empty file: not a pcap or pcapng file"},
		{"text", []byte("Hello, world\n"), ErrNotCapture, "x.pcap: not a pcap or pcapng file (starts with 0x48656c6c)"},
		{"three-bytes", []byte{0xd4, 0xc3, 0xb2}, ErrNotCapture, "x.pcap: not a pcap or pcapng file (3 bytes: 0xd4c3b2)"},
		{"pcap-header-cut", pcap[:20], ErrTruncated, "x.pcap: truncated file header: unexpected EOF"},
		{"pcapng-header-cut", ng[:20], ErrTruncated, "x.pcap: truncated file header: unexpected EOF"},
		{"pcap-version-9", append([]byte{0xd4, 0xc3, 0xb2, 0xa1, 9, 0}, pcap[6:]...), ErrCorrupt, "x.pcap: bad file header: Unknown major version 9"},
		{"gzip-garbage", []byte{0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ErrCorrupt, ""},
		{"record-of-1GiB", huge, ErrCorrupt, "x.pcap: corrupt record at byte 24 after 0 packets: capture length exceeds snap length: 1073741824 > 65535"},
		// The interface block before the bad packet block was read in the
		// same call: the offset points at it (see Reader.Offset).
		{"pcapng-unknown-interface", badIface, ErrCorrupt, fmt.Sprintf("x.pcap: corrupt record at byte %d after 0 packets: Interface id 5 not present in section (have only 1 interfaces)", shbLen)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tc.file), "x.pcap")
			if err == nil {
				_, _, err = readAll(t, r)
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("error = %v, want one wrapping %v", err, tc.err)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Errorf("error = %q, want %q", err, tc.msg)
			}
		})
	}
}

func TestReaderGzip(t *testing.T) {
	ps := records(40)
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			file, resolution := writePcap(t, ps, false, false), time.Microsecond
			if format == "pcapng" {
				file, resolution = writeNg(t, ps), time.Nanosecond
			}
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(file)
			zw.Close()
			r, err := NewReader(&z, "x.gz")
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := readAll(t, r)
			if err != io.EOF || r.Format() != format || r.Offset() != int64(len(file)) {
				t.Errorf("error, Format, Offset = %v, %q, %d; want io.EOF, %q, %d", err, r.Format(), r.Offset(), format, len(file))
			}
			if diff := diffRecs(ps, got, resolution); diff != "" {
				t.Errorf("packets (-want +got):\n%s", diff)
			}
		})
	}
}

// generator streams a capture: a header, then one record repeated n times,
// never holding more than those bytes.
type generator struct {
	header, record []byte
	n              int
	pos            int // in the current piece
	done           int // records emitted
	inHeader       bool
}

func (g *generator) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		piece := g.record
		if g.inHeader {
			piece = g.header
		} else if g.done == g.n {
			break
		}
		c := copy(p, piece[g.pos:])
		p, g.pos, total = p[c:], g.pos+c, total+c
		if g.pos == len(piece) {
			if !g.inHeader {
				g.done++
			}
			g.inHeader, g.pos = false, 0
		}
	}
	if total == 0 {
		return 0, io.EOF
	}
	return total, nil
}

// TestReaderStreams reads a 100 MB capture from a reader that is not a
// file and checks the reader allocates a bounded amount while doing so.
func TestReaderStreams(t *testing.T) {
	one := records(1)
	one[0].data = make([]byte, 1000)
	for _, format := range []string{"pcap", "pcapng"} {
		t.Run(format, func(t *testing.T) {
			var head, whole []byte
			if format == "pcap" {
				head, whole = writePcap(t, nil, false, false), writePcap(t, one, false, false)
			} else {
				one[0].lt = packet.LinkEthernet
				whole = writeNg(t, one)
				// The packet block is the last one; its length is at its end.
				n := binary.LittleEndian.Uint32(whole[len(whole)-4:])
				head = whole[:len(whole)-int(n)]
			}
			g := &generator{header: head, record: whole[len(head):], n: 100_000, inHeader: true}
			size := int64(len(head) + g.n*len(g.record))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r, err := NewReader(g, "stream")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for {
				_, _, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			runtime.ReadMemStats(&after)
			allocated := after.TotalAlloc - before.TotalAlloc
			if n != g.n || r.Offset() != size {
				t.Errorf("read %d packets, %d bytes; want %d, %d", n, r.Offset(), g.n, size)
			}
			if allocated > 1<<20 {
				t.Errorf("reading %d MB allocated %d bytes, want under 1 MiB", size>>20, allocated)
			}
			t.Logf("%s: %d MB read, %d KiB allocated", format, size>>20, allocated>>10)
		})
	}
}
