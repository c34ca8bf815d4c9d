package enforce

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestTsharkChecksums writes muted and bleeped packets to a pcap and has
// tshark verify their UDP checksums: every rewritten packet must be good.
// The last packet is a control whose checksum is broken on purpose: tshark
// must call exactly that one bad, which shows the check was made.
func TestTsharkChecksums(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (make deps installs it)")
	}
	e := New(Config{})
	var pkts [][]byte
	for _, f := range []flow{flow4, flow6} {
		for _, act := range []Action{ActionMute, ActionBleep} {
			for i, spec := range []rtpSpec{
				{pt: 0, payload: audio(160)},
				{pt: 8, payload: audio(161)},
				{pt: 0, csrc: []uint32{7, 8}, ext: []byte{1, 2, 3}, padding: 3, payload: audio(80)},
				{pt: 8, payload: audio(1)},
			} {
				spec.ssrc, spec.ts, spec.seq = 0x1234, uint32(1000+i*160), uint16(i)
				j := judge(t, e, f, spec, Decision{Action: act}, false)
				if !j.res.Modified {
					t.Fatalf("%+v", j.res)
				}
				pkts = append(pkts, j.after)
			}
		}
	}
	control := append([]byte(nil), pkts[0]...)
	control[udpOffset(control)+6] ^= 0x5a
	pkts = append(pkts, control)

	path := filepath.Join(t.TempDir(), "muted.pcap")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(fh)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		t.Fatal(err)
	}
	for i, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(int64ms(i)), CaptureLength: len(p), Length: len(p)}
		if err := w.WritePacket(ci, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := fh.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("tshark", "-n", "-r", path, "-o", "udp.check_checksum:TRUE",
		"-T", "fields", "-e", "frame.number", "-e", "udp.checksum.status").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var good, bad []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue // tshark's warnings
		}
		switch f[1] {
		case "1", "Good":
			good = append(good, f[0])
		case "0", "Bad":
			bad = append(bad, f[0])
		default:
			t.Errorf("frame %s: checksum status %q", f[0], f[1])
		}
	}
	if len(good) != len(pkts)-1 || len(bad) != 1 || bad[0] != strconv.Itoa(len(pkts)) {
		t.Errorf("tshark: %d good, bad frames %v; want %d good and frame %d bad\n%s", len(good), bad, len(pkts)-1, len(pkts), out)
	}
}
