package capgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/gopacket/gopacket/pcapgo"
)

const capturesDir = "../captures"

// tsharkStreams runs tshark -z rtp,streams and returns "packets lost" per
// SSRC, as Wireshark's RTP stream analysis counts them.
func tsharkStreams(t *testing.T, capture []byte, ports ...int) map[uint32]string {
	t.Helper()
	args := []string{"-q", "-o", "rtpevent.event_payload_type_value:101", "-z", "rtp,streams"}
	for _, p := range ports {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,rtp", p))
	}
	re := regexp.MustCompile(`0x([0-9A-Fa-f]{8})\s+.*?\s(\d+)\s+(-?\d+) \(`)
	out := map[uint32]string{}
	for _, line := range tshark(t, capture, args...) {
		if m := re.FindStringSubmatch(line); m != nil {
			ssrc, _ := strconv.ParseUint(m[1], 16, 32)
			out[uint32(ssrc)] = m[2] + " " + m[3]
		}
	}
	return out
}

// TestFixtures checks each committed capture against its committed truth,
// with gopacket and with tshark's RTP stream analysis.
func TestFixtures(t *testing.T) {
	for _, name := range []string{"call-pcmu.pcap", "impaired-pcma.pcapng", "vlan-ipv6.pcap"} {
		t.Run(name, func(t *testing.T) {
			capture, err := os.ReadFile(filepath.Join(capturesDir, name))
			if err != nil {
				t.Fatal(err)
			}
			if len(capture) > 100<<10 {
				t.Errorf("%d bytes, fixtures stay under 100 KiB", len(capture))
			}
			raw, err := os.ReadFile(filepath.Join(capturesDir, name[:len(name)-len(filepath.Ext(name))]+".truth.json"))
			if err != nil {
				t.Fatal(err)
			}
			var truth []StreamTruth
			if err := json.Unmarshal(raw, &truth); err != nil {
				t.Fatal(err)
			}
			ds, _ := readCapture(t, capture)
			bySSRC := map[uint32][]uint16{}
			for _, d := range ds {
				for _, tr := range truth {
					if d.src == tr.Src && d.dst == tr.Dst {
						p := parseRTP(t, d.payload)
						bySSRC[p.ssrc] = append(bySSRC[p.ssrc], p.seq)
					}
				}
			}
			var ports []int
			for _, tr := range truth {
				if d := diffLines(seqStrings(tr.Seqs), seqStrings(bySSRC[tr.SSRC])); d != "" {
					t.Errorf("ssrc %#x: %s", tr.SSRC, d)
				}
				ports = append(ports, int(tr.Dst.Port()))
			}
			got := tsharkStreams(t, capture, ports...)
			for _, tr := range truth {
				if want := fmt.Sprintf("%d %d", tr.Packets, tr.LostRFC3550); got[tr.SSRC] != want {
					t.Errorf("tshark rtp,streams for ssrc %#x: packets lost %q, want %q", tr.SSRC, got[tr.SSRC], want)
				}
			}
		})
	}

	t.Run("truncated.pcap", func(t *testing.T) {
		full, err := os.ReadFile(filepath.Join(capturesDir, "call-pcmu.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		cut, err := os.ReadFile(filepath.Join(capturesDir, "truncated.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		if len(cut) >= len(full) || !bytes.Equal(cut, full[:len(cut)]) {
			t.Fatalf("truncated.pcap (%d bytes) is not a prefix of call-pcmu.pcap (%d bytes)", len(cut), len(full))
		}
		r, err := pcapgo.NewReader(bytes.NewReader(cut))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			_, _, err = r.ReadPacketData()
			if err != nil {
				break
			}
			n++
		}
		if !errors.Is(err, io.ErrUnexpectedEOF) || n != 199 {
			t.Errorf("read %d records then %v; want 199 then a cut record (unexpected EOF)", n, err)
		}
	})

	t.Run("not-a-capture.txt", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(capturesDir, "not-a-capture.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pcapgo.NewReader(bytes.NewReader(b)); err == nil {
			t.Error("pcapgo accepts it as pcap")
		}
		if _, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.DefaultNgReaderOptions); err == nil {
			t.Error("pcapgo accepts it as pcapng")
		}
	})
}

func TestTsharkStreamAnalysis(t *testing.T) {
	// tshark's loss and packet counts agree with the truth under every impairment.
	s := testStream(Impairments{Loss: 0.04, BurstLoss: 2, Duplicate: 0.03, Reorder: 0.03, JitterMs: 10, Seed: 21})
	s.Seq = 65000
	s.SSRCChangeAt, s.NewSSRC = 250, 0x0defaced
	capture, truth := write(t, Options{Format: PCAPNG, Link: LinuxSLL}, s)
	got := tsharkStreams(t, capture, int(s.Dst.Port()))
	for _, tr := range truth {
		if want := fmt.Sprintf("%d %d", tr.Packets, tr.LostRFC3550); got[tr.SSRC] != want {
			t.Errorf("ssrc %#x: tshark packets lost %q, want %q", tr.SSRC, got[tr.SSRC], want)
		}
	}
}
