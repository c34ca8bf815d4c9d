package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// isPcap reports whether data starts with one of the four pcap magics.
func isPcap(data []byte) bool {
	if len(data) < 4 {
		return false
	}
	switch binary.BigEndian.Uint32(data) {
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		return true
	}
	return false
}

// agreeWithPcapgo reads a pcap file with a Reader (through src, which
// yields the bytes of data) and with a bare pcapgo Reader, and fails unless
// both return the same packets and end the same way: a clean end where
// pcapgo ends with io.EOF at a record boundary, a truncated record where
// it runs out inside one, and a corrupt record with pcapgo's own message.
// It returns the number of packets.
func agreeWithPcapgo(t *testing.T, data []byte, src io.Reader) int {
	t.Helper()
	type pkt struct {
		ci   gopacket.CaptureInfo
		data []byte
	}
	var want []pkt
	var wantErr error
	if pr, err := pcapgo.NewReader(bytes.NewReader(data)); err != nil {
		wantErr = err
	} else {
		for {
			d, ci, err := pr.ReadPacketData()
			if err != nil {
				wantErr = err
				break
			}
			want = append(want, pkt{ci, d})
		}
	}
	r, err := NewReader(src, "x.pcap")
	if err != nil {
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) || want != nil {
			t.Fatalf("NewReader: %v; pcapgo: %v after %d packets", err, wantErr, len(want))
		}
		return 0
	}
	var got []pkt
	for {
		d, info, err := r.Next()
		if err != nil {
			wantEnd := int64(24)
			for _, p := range want {
				wantEnd += 16 + int64(p.ci.CaptureLength)
			}
			var e *Error
			var re *recordError
			switch {
			case err == io.EOF:
				if wantErr != io.EOF || r.Offset() != int64(len(data)) {
					t.Fatalf("clean end at %d of %d bytes; pcapgo: %v", r.Offset(), len(data), wantErr)
				}
			case !errors.As(err, &e) || !errors.As(err, &re) || e.Offset != wantEnd:
				t.Fatalf("error %v, want an *Error at offset %d (pcapgo: %v)", err, wantEnd, wantErr)
			case errors.Is(err, ErrTruncated):
				if wantErr != io.EOF && wantErr != io.ErrUnexpectedEOF || wantEnd == int64(len(data)) {
					t.Fatalf("error %v at %d of %d bytes; pcapgo: %v", err, wantEnd, len(data), wantErr)
				}
			case errors.Is(err, ErrCorrupt):
				if wantErr == nil || re.cause.Error() != wantErr.Error() {
					t.Fatalf("error %v; pcapgo: %v", err, wantErr)
				}
			default:
				t.Fatalf("error %v of no documented kind", err)
			}
			break
		}
		if info.CaptureLength != len(d) || cap(d) != len(d) || info.LinkType != r.link {
			t.Fatalf("packet %d: %d bytes (capacity %d), Info %+v", len(got), len(d), cap(d), info)
		}
		got = append(got, pkt{gopacket.CaptureInfo{Timestamp: info.Timestamp, CaptureLength: info.CaptureLength, Length: info.Length}, bytes.Clone(d)})
	}
	if len(got) != len(want) {
		t.Fatalf("%d packets, pcapgo %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if !g.ci.Timestamp.Equal(w.ci.Timestamp) || g.ci.Timestamp.Location() != w.ci.Timestamp.Location() ||
			g.ci.CaptureLength != w.ci.CaptureLength || g.ci.Length != w.ci.Length || !bytes.Equal(g.data, w.data) {
			t.Fatalf("packet %d: %v %d/%d % x, pcapgo %v %d/%d % x", i,
				g.ci.Timestamp, g.ci.CaptureLength, g.ci.Length, g.data, w.ci.Timestamp, w.ci.CaptureLength, w.ci.Length, w.data)
		}
	}
	return len(got)
}

// TestPcapAgreesWithPcapgo holds the in-place pcap record reader to what
// pcapgo returns, on whole files of every magic, on every cut of a file, on
// damaged records, on records longer than the read buffer, and through
// inputs that deliver a byte at a time or fail.
func TestPcapAgreesWithPcapgo(t *testing.T) {
	ps := records(5)
	le := writePcap(t, ps, false, false)
	setRecord := func(file []byte, caplen, length uint32) []byte {
		b := bytes.Clone(file)
		binary.LittleEndian.PutUint32(b[24+8:], caplen)
		binary.LittleEndian.PutUint32(b[24+12:], length)
		return b
	}
	// Records longer than the window, in a file whose snap length allows
	// them, and one above maxEagerRecord in a file that does not.
	big := records(3)
	big[1].data = bytes.Repeat([]byte{0xab}, 3*bufferSize+5)
	bigFile := writePcap(t, big, false, false)
	binary.LittleEndian.PutUint32(bigFile[16:], 1<<20)
	huge := records(2)
	huge[0].data = make([]byte, maxEagerRecord+1)
	hugeFile := writePcap(t, huge, true, false)
	bigSnapHuge := bytes.Clone(hugeFile)
	binary.LittleEndian.PutUint32(bigSnapHuge[16:], 1<<30)
	lie := setRecord(le, 1<<30, 1<<30)
	binary.LittleEndian.PutUint32(lie[16:], 1<<31) // snaplen 2 GiB, file of a few hundred bytes
	// A fraction field beyond a second: pcapgo lets time.Unix normalise it.
	frac := bytes.Clone(le)
	binary.LittleEndian.PutUint32(frac[24+4:], 4_000_000)
	tests := []struct {
		name    string
		file    []byte
		packets int // -1: do not check
	}{
		{"usec-le", le, 5},
		{"usec-be", writePcap(t, ps, false, true), 5},
		{"nsec-le", writePcap(t, ps, true, false), 5},
		{"nsec-be", writePcap(t, ps, true, true), 5},
		{"header-only", le[:24], 0},
		{"caplen-above-length", setRecord(le, 50, 49), 0},
		{"caplen-above-snaplen", setRecord(le, maxEagerRecord+1, maxEagerRecord+1), 0},
		{"caplen-zero", setRecord(le, 0, 0), -1},
		{"record-longer-than-buffer", bigFile, 3},
		{"record-above-eager-max", hugeFile, 0},
		{"record-above-eager-max-within-snaplen", bigSnapHuge, 2},
		{"huge-record-in-short-file", lie, 0},
		{"fraction-beyond-a-second", frac, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, via := range []struct {
				name string
				r    func([]byte) io.Reader
			}{
				{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
				{"byte-at-a-time", func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
				{"data-with-eof", func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
			} {
				t.Run(via.name, func(t *testing.T) {
					n := agreeWithPcapgo(t, tc.file, via.r(tc.file))
					if tc.packets >= 0 && n != tc.packets {
						t.Errorf("%d packets, want %d", n, tc.packets)
					}
				})
			}
		})
	}
	t.Run("every-cut", func(t *testing.T) {
		for _, file := range [][]byte{le, bigFile} {
			for cut := 24; cut <= len(file); cut += 1 + cut/4096 {
				agreeWithPcapgo(t, file[:cut], bytes.NewReader(file[:cut]))
			}
		}
	})
	t.Run("input-fails", func(t *testing.T) {
		boom := errors.New("disk on fire")
		src := io.MultiReader(bytes.NewReader(le[:24+16+10]), iotest.ErrReader(boom))
		r, err := NewReader(src, "x.pcap")
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = r.Next()
		var e *Error
		if !errors.As(err, &e) || !errors.Is(err, ErrCorrupt) || !errors.Is(err, boom) || e.Offset != 24 {
			t.Fatalf("error %v, want an *Error at byte 24 wrapping ErrCorrupt and the input's error", err)
		}
	})
	t.Run("input-stuck", func(t *testing.T) {
		src := io.MultiReader(bytes.NewReader(le[:30]), stuck{})
		r, err := NewReader(src, "x.pcap")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err = r.Next(); !errors.Is(err, io.ErrNoProgress) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error %v, want one wrapping ErrCorrupt and io.ErrNoProgress", err)
		}
	})
}

// stuck is an input that never delivers a byte and never fails.
type stuck struct{}

func (stuck) Read([]byte) (int, error) { return 0, nil }
