package capture

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

var update = flag.Bool("update", false, "rewrite the fuzz seeds under testdata/fuzz")

func fuzzSeeds(tb testing.TB) map[string][]byte {
	ps := records(3)
	mixed := records(3)
	mixed[1].lt = packet.LinkRaw
	mixed[1].length = 1500
	seeds := map[string][]byte{
		"pcap-usec-le": writePcap(tb, ps, false, false),
		"pcap-usec-be": writePcap(tb, ps, false, true),
		"pcap-nsec-le": writePcap(tb, ps, true, false),
		"pcap-nsec-be": writePcap(tb, ps, true, true),
		"pcapng-mixed": writeNg(tb, mixed),
		"pcap-cut":     writePcap(tb, ps, false, false)[:100],
		"not-capture":  []byte("Hello, world\n"),
	}
	return seeds
}

// TestFuzzSeedsCommitted checks the committed seed corpus is what
// fuzzSeeds builds; -update rewrites it.
func TestFuzzSeedsCommitted(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReader")
	for name, data := range fuzzSeeds(t) {
		path := filepath.Join(dir, "seed-"+name)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("seed %s missing or stale (run go test -run TestFuzzSeedsCommitted -update): %v", path, err)
		}
	}
}

// FuzzReader reads arbitrary bytes as a capture: no panic, errors of the
// documented kinds, offsets that grow and stay within the input, a
// sticky final error, and for pcap the packets and end pcapgo reads.
func FuzzReader(f *testing.F) {
	for _, data := range fuzzSeeds(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if isPcap(data) {
			agreeWithPcapgo(t, data, bytes.NewReader(data))
		}
		r, err := NewReader(bytes.NewReader(data), "fuzz")
		if err != nil {
			if !errors.Is(err, ErrNotCapture) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("NewReader error of no documented kind: %v", err)
			}
			return
		}
		gz := len(data) > 1 && data[0] == 0x1f && data[1] == 0x8b
		prev := r.Offset()
		for i := 0; ; i++ {
			d, info, err := r.Next()
			if err != nil {
				var e *Error
				if err != io.EOF && (!errors.As(err, &e) || e.Packets != r.Packets() || e.File != "fuzz") {
					t.Fatalf("Next error %v (%T) after %d packets", err, err, r.Packets())
				}
				if _, _, again := r.Next(); again != err {
					t.Fatalf("error not sticky: %v then %v", err, again)
				}
				return
			}
			if len(d) != info.CaptureLength || info.Timestamp.Location() != time.UTC {
				t.Fatalf("packet %d: %d bytes, Info %+v", i, len(d), info)
			}
			off := r.Offset()
			if off <= prev || (!gz && off > int64(len(data))) {
				t.Fatalf("packet %d: Offset went from %d to %d in %d bytes", i, prev, off, len(data))
			}
			prev = off
		}
	})
}
