package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/testdata/capgen"
)

// tsharkStream is one row of `tshark -q -z rtp,streams`.
type tsharkStream struct {
	src, dst      string
	ssrc          uint32
	packets, lost int64
	maxJitter     float64
	meanJitter    float64
}

// tsharkStreams runs tshark's RTP stream analysis on a capture.
func tsharkStreams(t *testing.T, path string) map[string]tsharkStream {
	t.Helper()
	out, err := exec.Command("tshark", "-n", "-r", path, "-q",
		"-o", "rtp.heuristic_rtp:TRUE", "-o", "ip.defragment:TRUE", "-z", "rtp,streams").Output()
	if err != nil {
		t.Fatalf("tshark on %s: %v", path, err)
	}
	rows := map[string]tsharkStream{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) < 17 || !strings.HasPrefix(f[6], "0x") {
			continue
		}
		if f[len(f)-1] == "X" {
			f = f[:len(f)-1]
		}
		n := len(f)
		// ... Pkts Lost (x%) MinDelta MeanDelta MaxDelta MinJitter MeanJitter MaxJitter
		ssrc, _ := strconv.ParseUint(f[6], 0, 32)
		var r tsharkStream
		r.src = joinHostPort(f[2], f[3])
		r.dst = joinHostPort(f[4], f[5])
		r.ssrc = uint32(ssrc)
		r.packets, _ = strconv.ParseInt(f[n-9], 10, 64)
		r.lost, _ = strconv.ParseInt(f[n-8], 10, 64)
		r.meanJitter, _ = strconv.ParseFloat(f[n-2], 64)
		r.maxJitter, _ = strconv.ParseFloat(f[n-1], 64)
		rows[streamID(r.src, r.dst, r.ssrc)] = r
	}
	return rows
}

func joinHostPort(host, port string) string {
	p, _ := strconv.ParseUint(port, 10, 16)
	return netip.AddrPortFrom(netip.MustParseAddr(host), uint16(p)).String()
}

func streamID(src, dst string, ssrc uint32) string {
	return fmt.Sprintf("%s>%s/%08x", src, dst, ssrc)
}

// spitcheckJSON runs spitcheck --json in-process and decodes its report.
func spitcheckJSON(t *testing.T, args ...string) (*report, int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"--json"}, args...), nil, &stdout, &stderr)
	var rep report
	if code != exitError || stdout.Len() > 0 {
		if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
			t.Fatalf("spitcheck --json printed no JSON (%v): %s\nstderr: %s", err, stdout.String(), stderr.String())
		}
	}
	return &rep, code, stderr.String()
}

// speechLike is 8 kHz test audio: a few tones with an envelope, enough to
// give G.711 payloads that are not constant.
func speechLike(seconds float64, seed int64) []int16 {
	r := rand.New(rand.NewSource(seed))
	n := int(seconds * 8000)
	out := make([]int16, n)
	f1, f2 := 200+r.Float64()*200, 900+r.Float64()*600
	for i := range out {
		x := float64(i) / 8000
		env := 0.5 + 0.5*math.Sin(2*math.Pi*3*x)
		out[i] = int16(6000 * env * (math.Sin(2*math.Pi*f1*x) + 0.5*math.Sin(2*math.Pi*f2*x)))
	}
	return out
}

func writeCapture(t *testing.T, opt capgen.Options, streams ...capgen.Stream) (string, []capgen.StreamTruth) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.pcap")
	if opt.Format == capgen.PCAPNG {
		path += "ng"
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := capgen.Write(f, opt, streams...)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path, truth
}

func addrs(a, b string) (netip.AddrPort, netip.AddrPort) {
	return netip.MustParseAddrPort(a), netip.MustParseAddrPort(b)
}

// TestAgreesWithTshark generates captures with every impairment the stream
// statistics must survive and checks that spitcheck reports the same packet
// and lost counts as Wireshark's RTP stream analysis, and max jitter within 1 %.
func TestAgreesWithTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed (make deps installs it)")
	}
	type tc struct {
		name    string
		opt     capgen.Options
		streams []capgen.Stream
	}
	mk := func(src, dst string, ssrc uint32, pt uint8, seq uint16, im capgen.Impairments) capgen.Stream {
		s, d := addrs(src, dst)
		return capgen.Stream{Src: s, Dst: d, SSRC: ssrc, PayloadType: pt, Seq: seq,
			Timestamp: ssrc * 7, Audio: speechLike(12, int64(ssrc)), Impair: im}
	}
	var cases []tc
	for seed := int64(1); seed <= 4; seed++ {
		im := capgen.Impairments{Loss: 0.03, Duplicate: 0.01, Reorder: 0.02, JitterMs: 15, Seed: seed}
		a := mk("192.0.2.1:4000", "192.0.2.2:30000", 0x1a2b3c4d+uint32(seed), 0, 65200, im)
		b := mk("192.0.2.2:30000", "192.0.2.1:4000", 0x0badcafe+uint32(seed), 8, uint16(seed*1000), im)
		b.SSRCChangeAt, b.NewSSRC = 300, 0x5eed0000+uint32(seed)
		cases = append(cases, tc{fmt.Sprintf("impaired/seed%d", seed), capgen.Options{}, []capgen.Stream{a, b}})
	}
	burst := mk("192.0.2.1:4000", "192.0.2.2:30002", 0xfeedf00d, 0, 65535, capgen.Impairments{Loss: 0.02, BurstLoss: 5, JitterMs: 40, Seed: 9})
	cases = append(cases, tc{"burst-loss-big-jitter", capgen.Options{}, []capgen.Stream{burst}})
	v6 := mk("[2001:db8::1]:5004", "[2001:db8::2]:5006", 0x66666666, 8, 100, capgen.Impairments{Loss: 0.05, Reorder: 0.05, ReorderDepth: 3, JitterMs: 5, Seed: 5})
	cases = append(cases, tc{"ipv6-qinq-pcapng", capgen.Options{Format: capgen.PCAPNG, Link: capgen.EthernetQinQ}, []capgen.Stream{v6}})
	sll := mk("198.51.100.7:16384", "198.51.100.8:16386", 0x77777777, 0, 1, capgen.Impairments{Duplicate: 0.05, JitterMs: 10, Seed: 6})
	sll.RTCP = true
	cases = append(cases, tc{"sll2-rtcp-noise", capgen.Options{Link: capgen.LinuxSLL2, Noise: 50, Seed: 2}, []capgen.Stream{sll}})
	dtmf := mk("[2001:db8::1]:5004", "[2001:db8::2]:5006", 0x44444444, 0, 30000, capgen.Impairments{Loss: 0.02, JitterMs: 8, Seed: 8})
	dtmf.DTMF = []capgen.DTMF{{Digit: '1', At: 2 * time.Second}, {Digit: '#', At: 5 * time.Second, Duration: 300 * time.Millisecond}}
	dtmf.ComfortNoise = []capgen.Span{{From: 7 * time.Second, To: 9 * time.Second}}
	cases = append(cases, tc{"vlan-ipv6-dtmf-cn", capgen.Options{Link: capgen.EthernetVLAN}, []capgen.Stream{dtmf}})
	frag := mk("192.0.2.1:4000", "192.0.2.2:30000", 0x12121212, 0, 500, capgen.Impairments{Loss: 0.01, Seed: 7})
	cases = append(cases, tc{"ip-fragments", capgen.Options{FragmentMTU: 100}, []capgen.Stream{frag}})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path, truth := writeCapture(t, c.opt, c.streams...)
			want := tsharkStreams(t, path)
			rep, code, stderr := spitcheckJSON(t, path)
			if code != exitClean {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			if len(rep.Streams) != len(truth) || len(want) != len(truth) {
				t.Errorf("streams: spitcheck %d, tshark %d, generated %d", len(rep.Streams), len(want), len(truth))
			}
			for _, s := range rep.Streams {
				ssrc, _ := strconv.ParseUint(s.SSRC, 0, 32)
				id := streamID(s.Src, s.Dst, uint32(ssrc))
				w, ok := want[id]
				if !ok {
					t.Errorf("%s: not in tshark's report", id)
					continue
				}
				if int64(s.Packets) != w.packets || s.Lost != w.lost {
					t.Errorf("%s: packets/lost = %d/%d, tshark %d/%d", id, s.Packets, s.Lost, w.packets, w.lost)
				}
				if !within(s.MaxJitter, w.maxJitter, 0.01) {
					t.Errorf("%s: max jitter %.3f ms, tshark %.3f ms (more than 1%% apart)", id, s.MaxJitter, w.maxJitter)
				}
				if !within(s.MeanJitter, w.meanJitter, 0.01) {
					t.Errorf("%s: mean jitter %.3f ms, tshark %.3f ms (more than 1%% apart)", id, s.MeanJitter, w.meanJitter)
				}
			}
		})
	}
}

// within reports whether got is within rel of want, or within the 0.001 ms
// tshark prints.
func within(got, want, rel float64) bool {
	d := math.Abs(got - want)
	return d <= 0.0015 || d <= rel*math.Abs(want)
}
