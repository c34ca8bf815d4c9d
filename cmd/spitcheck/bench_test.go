package main

import (
	"context"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gopacket/gopacket/pcapgo"

	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/capture"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
	"github.com/spitfilter/spitfilter/testdata/capgen"
)

// streamPath is spitcheck's capture+stream path without the audio: capture
// read, IP/UDP decode, RTP parse, stream table, statistics, reordering.
func streamPath(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rd, err := capture.NewReader(f, path)
	if err != nil {
		return 0, err
	}
	tab := rtpflow.NewTable(rtpflow.Config{}, nil)
	dec := packet.NewDecoder(packet.DecoderConfig{Reassemble: true})
	var u packet.UDP
	for {
		data, info, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if k, _ := dec.Decode(info.LinkType, data, info.Timestamp, &u); k == packet.KindUDP {
			tab.Handle(&u, info.Timestamp)
		}
	}
	tab.Flush()
	return int(tab.Stats().StreamsCreated), nil
}

// benchCapture writes a capture of n two-way calls of the given length.
func benchCapture(b *testing.B, calls int, seconds float64) (string, int) {
	b.Helper()
	var streams []capgen.Stream
	for i := 0; i < calls; i++ {
		a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 4000)
		c := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, 1}), uint16(10000+2*i))
		im := capgen.Impairments{Loss: 0.01, Reorder: 0.01, JitterMs: 5, Seed: int64(i)}
		streams = append(streams,
			capgen.Stream{Src: a, Dst: c, SSRC: uint32(2*i + 1), Audio: speechLike(seconds, int64(i)), Impair: im},
			capgen.Stream{Src: c, Dst: a, SSRC: uint32(2*i + 2), PayloadType: 8, Audio: speechLike(seconds, int64(i+100)), Impair: im})
	}
	path := filepath.Join(b.TempDir(), "bench.pcap")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	truth, err := capgen.Write(f, capgen.Options{}, streams...)
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	n := 0
	for _, t := range truth {
		n += t.Packets
	}
	return path, n
}

// barePcapgo is the floor: read every record of the file and nothing else.
func barePcapgo(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		_, _, err := r.ZeroCopyReadPacketData()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// BenchmarkCapturePath measures, in one run on the same file, packets per
// second of a bare pcapgo read loop (the floor), of spitcheck's capture+stream
// path (capture read, IP/UDP decode, RTP streams, statistics, reordering), of
// the whole spitcheck pipeline (the same plus G.711 decoding of every frame),
// and of `tshark -q -z rtp,streams`, and reports the ratios: of the
// summed times, and for stream/pcapgo also the median of the rounds'.
func BenchmarkCapturePath(b *testing.B) {
	path, pkts := benchCapture(b, 8, 60)
	o := &options{progress: "never"}
	var bare, stream, full, tshark time.Duration
	var roundRatios []float64 // stream/pcapgo of each round, for the median
	_, haveTshark := exec.LookPath("tshark")
	rounds := 0
	for b.Loop() {
		rounds++
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			if _, err := barePcapgo(path); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if n, err := streamPath(path); err != nil || n != 16 {
				b.Fatalf("stream path: %v (%d streams)", err, n)
			}
			t2 := time.Now()
			res, err := analyzeFile(context.Background(), path, nil, o, io.Discard)
			if err != nil || len(res.streams) != 16 {
				b.Fatalf("analyze: %v (%d streams)", err, len(res.streams))
			}
			bare += t1.Sub(t0)
			stream += t2.Sub(t1)
			full += time.Since(t2)
			roundRatios = append(roundRatios, float64(t1.Sub(t0))/float64(t2.Sub(t1)))
		}
		if haveTshark == nil {
			t0 := time.Now()
			if out, err := exec.Command("tshark", "-n", "-r", path, "-q", "-o", "rtp.heuristic_rtp:TRUE", "-z", "rtp,streams").CombinedOutput(); err != nil {
				b.Fatalf("tshark: %v\n%s", err, out)
			}
			tshark += time.Since(t0)
		}
	}
	rate := func(d time.Duration, n int) float64 { return float64(pkts*n) / d.Seconds() }
	rb, rs, rf := rate(bare, 3*rounds), rate(stream, 3*rounds), rate(full, 3*rounds)
	b.ReportMetric(rb, "bare-pkts/s")
	b.ReportMetric(rs, "stream-pkts/s")
	b.ReportMetric(rf, "full-pkts/s")
	b.ReportMetric(rs/rb, "stream/pcapgo")
	// The median of the rounds' ratios: each round runs the two back to
	// back, so a round the machine's other work stalls is one outlier
	// here, where in the sums above it weighs with its whole delay.
	slices.Sort(roundRatios)
	b.ReportMetric(roundRatios[len(roundRatios)/2], "stream/pcapgo-median")
	b.ReportMetric(rf/rb, "full/pcapgo")
	if tshark > 0 {
		rt := rate(tshark, rounds)
		b.ReportMetric(rt, "tshark-pkts/s")
		b.ReportMetric(rs/rt, "stream/tshark")
		b.ReportMetric(rf/rt, "full/tshark")
	}
}

// readOnly reads every packet of the file with the capture reader, and
// with decode set also decodes IP/UDP: the first two stages of streamPath.
func readOnly(path string, decode bool) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rd, err := capture.NewReader(f, path)
	if err != nil {
		return 0, err
	}
	dec := packet.NewDecoder(packet.DecoderConfig{Reassemble: true})
	var u packet.UDP
	n := 0
	for {
		data, info, err := rd.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if !decode {
			n++
		} else if k, _ := dec.Decode(info.LinkType, data, info.Timestamp, &u); k == packet.KindUDP {
			n++
		}
	}
}

// BenchmarkStages splits the capture+stream path into its stages on the
// file BenchmarkCapturePath uses, each run interleaved with the others in
// the same loop so that machine noise falls on all alike: bare pcapgo, the
// capture reader, reader + IP/UDP decode, and the whole stream path. It
// reports ns per packet for each and the cost each stage adds.
func BenchmarkStages(b *testing.B) {
	path, pkts := benchCapture(b, 8, 60)
	var bare, read, decode, stream time.Duration
	runs := 0
	for b.Loop() {
		runs++
		t0 := time.Now()
		if n, err := barePcapgo(path); err != nil || n != pkts {
			b.Fatalf("pcapgo: %v (%d of %d packets)", err, n, pkts)
		}
		t1 := time.Now()
		if n, err := readOnly(path, false); err != nil || n != pkts {
			b.Fatalf("read: %v (%d of %d packets)", err, n, pkts)
		}
		t2 := time.Now()
		if n, err := readOnly(path, true); err != nil || n != pkts {
			b.Fatalf("decode: %v (%d of %d datagrams)", err, n, pkts)
		}
		t3 := time.Now()
		if n, err := streamPath(path); err != nil || n != 16 {
			b.Fatalf("stream path: %v (%d streams)", err, n)
		}
		t4 := time.Now()
		bare, read, decode, stream = bare+t1.Sub(t0), read+t2.Sub(t1), decode+t3.Sub(t2), stream+t4.Sub(t3)
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(pkts*runs) }
	b.ReportMetric(per(bare), "pcapgo-ns/pkt")
	b.ReportMetric(per(read), "read-ns/pkt")
	b.ReportMetric(per(decode)-per(read), "decode-ns/pkt")
	b.ReportMetric(per(stream)-per(decode), "table-ns/pkt")
	b.ReportMetric(per(stream), "stream-ns/pkt")
	b.ReportMetric(per(bare)/per(stream), "stream/pcapgo")
}

// BenchmarkAnalyze is spitcheck's whole pipeline on one capture, for
// profiling: capture read, IP/UDP, streams, G.711 decode.
func BenchmarkAnalyze(b *testing.B) {
	path, pkts := benchCapture(b, 8, 60)
	o := &options{progress: "never"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := analyzeFile(context.Background(), path, nil, o, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pkts*b.N)/b.Elapsed().Seconds(), "pkts/s")
}

// BenchmarkStreamPath is the capture+stream path alone, for profiling.
func BenchmarkStreamPath(b *testing.B) {
	path, pkts := benchCapture(b, 8, 60)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := streamPath(path); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(pkts*b.N)/b.Elapsed().Seconds(), "pkts/s")
}
