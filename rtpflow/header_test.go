package rtpflow

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pion/rtp"
)

// headerSeeds are RTP packets that reach every branch of parseRTP.
func headerSeeds(tb testing.TB) map[string][]byte {
	plain := marshal(tb, pkt{seq: 7, ts: 1234, pt: 8, marker: true, size: 20})
	withExt := func(profile uint16, elems []byte) []byte {
		h := rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: 1, Timestamp: 2, SSRC: 3,
			CSRC: []uint32{9, 10}, Extension: true, ExtensionProfile: profile}
		b, err := h.Marshal()
		if err != nil {
			tb.Fatal(err)
		}
		b = b[:len(b)-4] // the empty extension header Marshal wrote
		b = append(b, byte(profile>>8), byte(profile), 0, byte(len(elems)/4))
		return append(append(b, elems...), 1, 2, 3, 4)
	}
	padded := bytes.Clone(plain)
	padded[0] |= 0x20
	padded[len(padded)-1] = 5
	return map[string][]byte{
		"plain":              plain,
		"too-short":          plain[:11],
		"csrc-cut":           append([]byte{0x8f}, plain[1:20]...),
		"padding":            padded,
		"padding-too-long":   append(bytes.Clone(padded[:16]), 200),
		"rfc3550-extension":  withExt(0x1234, []byte{1, 2, 3, 4}),
		"one-byte-elements":  withExt(profileOneByte, []byte{0x10, 0xaa, 0, 0x21, 1, 2, 3, 0}),
		"one-byte-reserved":  withExt(profileOneByte, []byte{0xf0, 0xff, 0xff, 0xff}),
		"one-byte-overrun":   withExt(profileOneByte, []byte{0, 0, 0, 0x13}),
		"two-byte-elements":  withExt(profileTwoByte, []byte{1, 2, 0xaa, 0xbb, 0, 3, 0, 0}),
		"two-byte-no-length": withExt(profileTwoByte, []byte{0, 0, 0, 7}),
		"two-byte-overrun":   withExt(profileTwoByte, []byte{5, 9, 1, 2}),
		"extension-cut":      withExt(profileOneByte, []byte{0x10, 1, 0, 0})[:20],
	}
}

// agreeWithPion fails unless parseRTP accepts b exactly when pion/rtp's
// Packet.Unmarshal does, with the same fields and payload.
func agreeWithPion(t *testing.T, b []byte) bool {
	t.Helper()
	var p rtp.Packet
	pionErr := p.Unmarshal(b)
	var h header
	payload, ok := parseRTP(b, &h)
	if ok != (pionErr == nil) {
		t.Fatalf("parseRTP ok = %v, pion: %v, for % x", ok, pionErr, b)
	}
	if !ok {
		return false
	}
	want := header{seq: p.SequenceNumber, ts: p.Timestamp, ssrc: p.SSRC, pt: p.PayloadType, marker: p.Marker}
	if h != want || !bytes.Equal(payload, p.Payload) {
		t.Fatalf("parseRTP = %+v, payload % x; pion %+v, payload % x", h, payload, want, p.Payload)
	}
	return true
}

func TestParseRTPAgreesWithPion(t *testing.T) {
	want := map[string]bool{
		"plain": true, "too-short": false, "csrc-cut": false, "padding": true, "padding-too-long": false,
		"rfc3550-extension": true, "one-byte-elements": true, "one-byte-reserved": true, "one-byte-overrun": false,
		"two-byte-elements": true, "two-byte-no-length": false, "two-byte-overrun": false, "extension-cut": false,
	}
	for name, b := range headerSeeds(t) {
		t.Run(name, func(t *testing.T) {
			if ok := agreeWithPion(t, b); ok != want[name] {
				t.Errorf("accepted = %v, want %v", ok, want[name])
			}
		})
	}
}

var updateSeeds = flag.Bool("update", false, "rewrite the FuzzParseRTP seeds under testdata/fuzz")

// TestParseRTPSeedsCommitted checks the committed FuzzParseRTP corpus is
// what headerSeeds builds; -update rewrites it.
func TestParseRTPSeedsCommitted(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzParseRTP")
	for name, data := range headerSeeds(t) {
		path := filepath.Join(dir, "seed-"+name)
		content := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if *updateSeeds {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || string(got) != content {
			t.Errorf("seed %s missing or stale (run go test -run TestParseRTPSeedsCommitted -update): %v", path, err)
		}
	}
}

// FuzzParseRTP holds parseRTP to pion/rtp on arbitrary bytes.
func FuzzParseRTP(f *testing.F) {
	for _, b := range headerSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) { agreeWithPion(t, b) })
}
