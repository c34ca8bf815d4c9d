package capgen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// datagram is a UDP datagram read back from a capture with gopacket,
// reassembled from its fragments when needed.
type datagram struct {
	at       time.Time
	src, dst netip.AddrPort
	payload  []byte
	frags    int // IP fragments it arrived in (1 = not fragmented)
	vlans    []uint16
}

// rtpHeader is the part of an RTP header the tests look at, parsed here
// independently of capgen's marshal.
type rtpHeader struct {
	marker   bool
	pt       uint8
	seq      uint16
	ts, ssrc uint32
	payload  []byte
}

func parseRTP(t testing.TB, b []byte) rtpHeader {
	t.Helper()
	if len(b) < 12 || b[0]>>6 != 2 {
		t.Fatalf("not an RTP packet: % x", b[:min(len(b), 12)])
	}
	return rtpHeader{
		marker: b[1]&0x80 != 0, pt: b[1] & 0x7f,
		seq: binary.BigEndian.Uint16(b[2:]), ts: binary.BigEndian.Uint32(b[4:]), ssrc: binary.BigEndian.Uint32(b[8:]),
		payload: b[12:],
	}
}

// readCapture decodes every frame of a pcap or pcapng file with gopacket,
// checks each UDP checksum with an implementation of its own, and returns
// the datagrams in capture order.
func readCapture(t testing.TB, capture []byte) ([]datagram, layers.LinkType) {
	t.Helper()
	type source interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		LinkType() layers.LinkType
	}
	var src source
	if bytes.HasPrefix(capture, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(capture), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatalf("pcapng header: %v", err)
		}
		src = r
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(capture))
		if err != nil {
			t.Fatalf("pcap header: %v", err)
		}
		src = r
	}
	type fragKey struct {
		src netip.Addr
		id  uint32
	}
	type frag struct {
		off  int
		more bool
		data []byte
	}
	pending := map[fragKey][]frag{}
	var out []datagram
	for i := 0; ; i++ {
		data, ci, err := src.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		pkt := gopacket.NewPacket(data, src.LinkType(), gopacket.Default)
		if el := pkt.ErrorLayer(); el != nil {
			t.Fatalf("frame %d: gopacket: %v", i, el.Error())
		}
		var vlans []uint16
		for _, l := range pkt.Layers() {
			if q, ok := l.(*layers.Dot1Q); ok {
				vlans = append(vlans, q.VLANIdentifier)
			}
		}
		var sa, da netip.Addr
		var key fragKey
		var f frag
		var fragmented bool
		switch ip := pkt.NetworkLayer().(type) {
		case *layers.IPv4:
			sa, _ = netip.AddrFromSlice(ip.SrcIP.To4())
			da, _ = netip.AddrFromSlice(ip.DstIP.To4())
			if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
				fragmented = true
				key = fragKey{sa, uint32(ip.Id)}
				f = frag{off: int(ip.FragOffset) * 8, more: ip.Flags&layers.IPv4MoreFragments != 0, data: ip.Payload}
			} else if ip.Protocol != layers.IPProtocolUDP {
				t.Fatalf("frame %d: ip protocol %v", i, ip.Protocol)
			}
		case *layers.IPv6:
			sa, _ = netip.AddrFromSlice(ip.SrcIP)
			da, _ = netip.AddrFromSlice(ip.DstIP)
			if fl, ok := pkt.Layer(layers.LayerTypeIPv6Fragment).(*layers.IPv6Fragment); ok {
				fragmented = true
				key = fragKey{sa, fl.Identification}
				f = frag{off: int(fl.FragmentOffset) * 8, more: fl.MoreFragments, data: fl.Payload}
			}
		default:
			t.Fatalf("frame %d: no IP layer, layers %v", i, pkt.Layers())
		}
		udpBytes := []byte(nil)
		nfrag := 1
		if fragmented {
			pending[key] = append(pending[key], f)
			fs := pending[key]
			slices.SortFunc(fs, func(a, b frag) int { return a.off - b.off })
			var whole []byte
			complete := !fs[len(fs)-1].more
			for _, f := range fs {
				if f.off != len(whole) {
					complete = false
					break
				}
				whole = append(whole, f.data...)
			}
			if !complete {
				continue
			}
			delete(pending, key)
			udpBytes, nfrag = whole, len(fs)
		} else {
			udp, ok := pkt.TransportLayer().(*layers.UDP)
			if !ok {
				t.Fatalf("frame %d: no UDP layer, layers %v", i, pkt.Layers())
			}
			udpBytes = append(udp.Contents, udp.Payload...)
		}
		if len(udpBytes) < 8 || int(binary.BigEndian.Uint16(udpBytes[4:])) != len(udpBytes) {
			t.Fatalf("frame %d: udp length field %d, datagram %d bytes", i, binary.BigEndian.Uint16(udpBytes[4:]), len(udpBytes))
		}
		if !udpChecksumOK(sa, da, udpBytes) {
			t.Fatalf("frame %d: bad UDP checksum %#04x", i, binary.BigEndian.Uint16(udpBytes[6:]))
		}
		out = append(out, datagram{
			at:      ci.Timestamp,
			src:     netip.AddrPortFrom(sa, binary.BigEndian.Uint16(udpBytes[0:])),
			dst:     netip.AddrPortFrom(da, binary.BigEndian.Uint16(udpBytes[2:])),
			payload: udpBytes[8:],
			frags:   nfrag,
			vlans:   vlans,
		})
	}
	if len(pending) > 0 {
		t.Fatalf("%d datagrams left incomplete", len(pending))
	}
	return out, src.LinkType()
}

// udpChecksumOK verifies a UDP checksum over the RFC 768 / RFC 8200
// pseudo-header. A zero checksum is accepted on IPv4 only.
func udpChecksumOK(src, dst netip.Addr, udp []byte) bool {
	if binary.BigEndian.Uint16(udp[6:]) == 0 {
		return src.Is4()
	}
	var sum uint32
	add := func(b []byte) {
		for len(b) >= 2 {
			sum += uint32(binary.BigEndian.Uint16(b))
			b = b[2:]
		}
		if len(b) == 1 {
			sum += uint32(b[0]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	sum += 17 + uint32(len(udp))
	add(udp)
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return sum == 0xffff
}

// rtpOf returns the RTP packets of the datagrams sent to dst, in capture order.
func rtpOf(t testing.TB, ds []datagram, dst netip.AddrPort) []rtpHeader {
	t.Helper()
	var out []rtpHeader
	for _, d := range ds {
		if d.dst == dst {
			out = append(out, parseRTP(t, d.payload))
		}
	}
	return out
}

// write runs Write into memory, failing the test on error.
func write(t testing.TB, opt Options, streams ...Stream) ([]byte, []StreamTruth) {
	t.Helper()
	var b bytes.Buffer
	truth, err := Write(&b, opt, streams...)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes(), truth
}

// tone returns n samples of a 440 Hz sine at 8 kHz.
func tone(n int) []int16 {
	a := make([]int16, n)
	for i := range a {
		a[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/SampleRate))
	}
	return a
}

// testStream is a 10 s PCMU stream with the given impairments.
func testStream(im Impairments) Stream {
	return Stream{
		Src: netip.MustParseAddrPort("192.0.2.1:4000"), Dst: netip.MustParseAddrPort("192.0.2.2:30000"),
		SSRC: 0x1a2b3c4d, PayloadType: PayloadPCMU, Seq: 1000, Timestamp: 160000,
		Audio: tone(10 * SampleRate), Impair: im,
	}
}

// tshark runs tshark on a capture and returns its stdout lines; it skips
// the test when tshark is not installed.
func tshark(t testing.TB, capture []byte, args ...string) []string {
	t.Helper()
	bin, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	f := filepath.Join(t.TempDir(), "c.pcap")
	if err := os.WriteFile(f, capture, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"-n", "-r", f}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	s := strings.TrimRight(string(out), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// seqStrings formats sequence numbers as tshark prints them.
func seqStrings(seqs []uint16) []string {
	out := make([]string, len(seqs))
	for i, s := range seqs {
		out[i] = strconv.Itoa(int(s))
	}
	return out
}

func diffLines(want, got []string) string {
	if slices.Equal(want, got) {
		return ""
	}
	n := 0
	for n < min(len(want), len(got)) && want[n] == got[n] {
		n++
	}
	return fmt.Sprintf("(-want +got) lengths %d, %d; first difference at line %d: -%q +%q",
		len(want), len(got), n, at(want, n), at(got, n))
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<none>"
}
