package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/testdata/capgen"
)

// TestAudioAfterBye: a sender that sends an RTCP BYE for its stream and
// talks on is heard whole: the audio after the BYE is analysed (the
// stream's audio time covers it), and the report says how many packets
// came after the BYE.
func TestAudioAfterBye(t *testing.T) {
	// One sender, one SSRC: 2 s of audio ended by RTCP (capgen's BYE comes
	// one packet time after the last packet), then 2 s more that continue
	// its sequence and timestamps, just after the BYE.
	const ssrc = 0xB1E0B1E0
	audio := speechLike(4, 3)
	src := netip.MustParseAddrPort("192.0.2.1:4000")
	dst := netip.MustParseAddrPort("192.0.2.2:30000")
	path := filepath.Join(t.TempDir(), "bye.pcap")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := capgen.Write(f, capgen.Options{},
		capgen.Stream{Src: src, Dst: dst, SSRC: ssrc, Audio: audio[:16000], RTCP: true},
		capgen.Stream{Src: src, Dst: dst, SSRC: ssrc, Seq: 100, Timestamp: 16000, Start: 2*time.Second + time.Millisecond, Audio: audio[16000:]},
	); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	rep, code, stderr := spitcheckJSON(t, "--word", "free cruise", path)
	if code != exitClean || len(rep.Streams) != 1 {
		t.Fatalf("exit %d, %d streams; stderr: %s", code, len(rep.Streams), stderr)
	}
	s := rep.Streams[0]
	if s.RTCP == nil || s.RTCP.Bye == nil || s.RTCP.RTPAfterBye != 100 {
		t.Fatalf("rtcp %+v: want a BYE and 100 RTP packets after it", s.RTCP)
	}
	if s.Audio < 3.9 {
		t.Errorf("audio %.2f s of the 4 s: what came after the BYE was not analysed", s.Audio)
	}
	_, text, _ := runText(t, nil, "--word", "free cruise", path)
	if !strings.Contains(text, "RTCP BYE; 100 RTP packets after the BYE") {
		t.Errorf("the report does not say packets came after the BYE:\n%s", text)
	}
}
