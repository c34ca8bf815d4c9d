package packet

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the fuzz seeds under testdata/fuzz")

// fuzzLinks are the link types FuzzDecode picks from.
var fuzzLinks = []LinkType{LinkNull, LinkEthernet, LinkRaw, LinkLoop, LinkLinuxSLL, LinkIPv4, LinkIPv6, LinkLinuxSLL2}

// fuzzSeed is one seed: a link type index and a frame, or a sequence of
// length-prefixed frames (see FuzzDecode).
type fuzzSeed struct {
	name string
	link uint8
	data []byte
}

func linkIndex(lt LinkType) uint8 {
	for i, l := range fuzzLinks {
		if l == lt {
			return uint8(i)
		}
	}
	panic(lt)
}

// sequence joins frames, each prefixed by its 2-byte length.
func sequence(frames ...[]byte) []byte {
	var b []byte
	for _, f := range frames {
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}

// fuzzSeeds builds seeds from real-looking frames made by gopacket.
func fuzzSeeds(tb testing.TB) []fuzzSeed {
	var seeds []fuzzSeed
	for _, tc := range linkCases(tb) {
		seeds = append(seeds, fuzzSeed{tc.name, linkIndex(tc.lt), tc.frame})
	}
	ext := dgram{v6: true, sport: 1, dport: 2, payload: []byte("abcdefgh"), ext: []byte{protoHopByHop, protoRouting, protoDestOpts, protoAH}}
	seeds = append(seeds, fuzzSeed{"ipv6-extensions", linkIndex(LinkRaw), ext.ip(tb)})
	opt := dgram{sport: 1, dport: 2, payload: []byte("abcdefgh"), ipOptions: 2}
	seeds = append(seeds, fuzzSeed{"ipv4-options", linkIndex(LinkRaw), opt.ip(tb)})
	for _, v6 := range []bool{false, true} {
		g := dgram{v6: v6, sport: 1, dport: 2, payload: bytes.Repeat([]byte{0x55}, 40), id: 3}
		n := len(g.fragmentable(tb))
		a, b := g.fragment(tb, piece{0, 24, true}), g.fragment(tb, piece{24, n - 24, false})
		over := g.fragment(tb, piece{16, 16, true})
		seeds = append(seeds,
			fuzzSeed{fmt.Sprintf("fragments-v6=%v", v6), linkIndex(LinkRaw), sequence(a, b)},
			fuzzSeed{fmt.Sprintf("fragments-reversed-v6=%v", v6), linkIndex(LinkRaw), sequence(b, a)},
			fuzzSeed{fmt.Sprintf("fragments-overlap-v6=%v", v6), linkIndex(LinkRaw), sequence(a, over, b)},
		)
	}
	return seeds
}

// TestFuzzSeedsCommitted checks that the committed seed corpus is the one
// fuzzSeeds builds; go test -run TestFuzzSeedsCommitted -update rewrites it.
func TestFuzzSeedsCommitted(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for _, s := range fuzzSeeds(t) {
		content := fmt.Sprintf("go test fuzz v1\nuint8(%d)\n[]byte(%s)\n", s.link, strconv.Quote(string(s.data)))
		name := filepath.Join(dir, "seed-"+sanitize(s.name))
		if *update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("seed %s missing (run go test -run TestFuzzSeedsCommitted -update): %v", s.name, err)
			continue
		}
		if string(got) != content {
			t.Errorf("seed %s differs from what fuzzSeeds builds (run with -update)", name)
		}
	}
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// FuzzDecode decodes arbitrary bytes as a frame of each link type with a
// plain Decoder, then as a sequence of length-prefixed frames through a
// reassembling one, and checks the results hang together.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s.link, s.data)
	}
	f.Fuzz(func(t *testing.T, link uint8, data []byte) {
		lt := fuzzLinks[int(link)%len(fuzzLinks)]
		var d Decoder
		var out UDP
		k, err := d.Decode(lt, data, t0, &out)
		checkResult(t, data, k, err, &out)

		r := NewDecoder(DecoderConfig{Reassemble: true, MaxPending: 4, Timeout: 3 * time.Second})
		held := uint64(0)
		for i, rest := 0, data; len(rest) >= 2; i++ {
			n := min(int(binary.BigEndian.Uint16(rest)), len(rest)-2)
			frame := rest[2 : 2+n]
			rest = rest[2+n:]
			k, err := r.Decode(lt, frame, t0.Add(time.Duration(i)*time.Second), &out)
			checkResult(t, frame, k, err, &out)
			if k == KindFragment {
				held++
			}
		}
		s := r.Stats()
		if s.Packets != s.UDP+s.NotIP+s.NotUDP+s.Malformed+held {
			t.Errorf("Stats %+v do not add up with %d fragment results", s, held)
		}
		if s.Fragments < s.FragmentsSkipped+s.FragmentsExpired+s.FragmentsOverlapping+uint64(s.PendingFragments) {
			t.Errorf("Stats %+v: more fragments accounted for than seen", s)
		}
	})
}

func checkResult(t *testing.T, frame []byte, k Kind, err error, out *UDP) {
	t.Helper()
	if (err != nil) != (k == KindMalformed) {
		t.Fatalf("Decode = %v, %v: an error must come with malformed, and only then", k, err)
	}
	if k != KindUDP || out.Reassembled {
		return
	}
	o := out.TransportOffset
	if o < 0 || o+8+len(out.Payload) > len(frame) {
		t.Fatalf("TransportOffset %d with %d bytes of payload in a %d-byte frame", o, len(out.Payload), len(frame))
	}
	if binary.BigEndian.Uint16(frame[o:]) != out.SrcPort || binary.BigEndian.Uint16(frame[o+2:]) != out.DstPort {
		t.Fatalf("ports %d, %d are not at TransportOffset %d", out.SrcPort, out.DstPort, o)
	}
	if len(out.Payload) > 0 && &out.Payload[0] != &frame[o+8] {
		t.Fatalf("payload does not alias the frame at TransportOffset+8")
	}
	if v := frame[out.NetworkOffset] >> 4; out.IPv6 && v != 6 || !out.IPv6 && v != 4 {
		t.Fatalf("frame[NetworkOffset %d] has version %d, IPv6=%v", out.NetworkOffset, v, out.IPv6)
	}
}
