package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/capture"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
	"github.com/spitfilter/spitfilter/testdata/capgen"
)

func twoWayCall(t *testing.T, opt capgen.Options, im capgen.Impairments) (string, []capgen.StreamTruth) {
	a, b := addrs("192.0.2.1:4000", "192.0.2.2:30000")
	return writeCapture(t, opt,
		capgen.Stream{Src: a, Dst: b, SSRC: 0x11111111, PayloadType: 0, Seq: 7, Audio: speechLike(4, 1), Impair: im, RTCP: true},
		capgen.Stream{Src: b, Dst: a, SSRC: 0x22222222, PayloadType: 8, Seq: 9, Audio: speechLike(4, 2), Impair: im, Start: 100 * time.Millisecond})
}

func runText(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, bytes.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestExitCodesAndErrors(t *testing.T) {
	call, _ := twoWayCall(t, capgen.Options{}, capgen.Impairments{})
	whole, err := os.ReadFile(call)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	truncated := filepath.Join(dir, "truncated.pcap")
	os.WriteFile(truncated, whole[:len(whole)*2/3+5], 0o644)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("Hello, this is not a capture\n"), 0o644)
	empty := filepath.Join(dir, "empty.pcap")
	os.WriteFile(empty, nil, 0o644)

	tests := []struct {
		name   string
		args   []string
		stdin  []byte
		code   int
		stdout []string // substrings
		stderr []string
	}{
		{"clean call", []string{call}, nil, exitClean, []string{"0x11111111", "0x22222222", "PCMU", "PCMA", "2 streams"}, nil},
		{"stdin", []string{"-"}, whole, exitClean, []string{"stdin: pcap", "0x11111111"}, nil},
		{"truncated still reports", []string{truncated}, nil, exitError,
			[]string{"0x11111111", "truncated record at byte"}, []string{truncated + ": truncated record at byte", "the report covers the first"}},
		{"not a capture", []string{text}, nil, exitError, nil, []string{text + ": not a pcap or pcapng file"}},
		{"empty file", []string{empty}, nil, exitError, nil, []string{empty + ": empty file"}},
		{"missing file", []string{filepath.Join(dir, "nope.pcap")}, nil, exitError, nil, []string{"nope.pcap: no such file"}},
		{"no arguments", nil, nil, exitError, nil, []string{"no capture given"}},
		{"bad ports", []string{"--rtp-ports", "9-1", call}, nil, exitError, nil, []string{"--rtp-ports"}},
		{"help", []string{"-h"}, nil, exitClean, nil, []string{"usage: spitcheck"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runText(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			for _, s := range tc.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tc.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
}

func TestTruncatedJSONCoversWhatWasRead(t *testing.T) {
	call, truth := twoWayCall(t, capgen.Options{Format: capgen.PCAPNG}, capgen.Impairments{})
	whole, _ := os.ReadFile(call)
	cut := filepath.Join(t.TempDir(), "cut.pcapng")
	os.WriteFile(cut, whole[:len(whole)/2+3], 0o644)
	rep, code, stderr := spitcheckJSON(t, cut)
	if code != exitError {
		t.Fatalf("exit %d, want 2", code)
	}
	if len(rep.Captures) != 1 || rep.Captures[0].Error == "" || !strings.Contains(stderr, "cut.pcapng") {
		t.Fatalf("the error must be in the report and on stderr: %+v / %s", rep.Captures, stderr)
	}
	var got uint64
	for _, s := range rep.Streams {
		got += s.Packets
	}
	all := 0
	for _, tr := range truth {
		all += tr.Packets
	}
	if got == 0 || int(got) >= all {
		t.Errorf("truncated capture reported %d RTP packets of %d", got, all)
	}
	if rep.Captures[0].Packets < 100 {
		t.Errorf("only %d records reported before the cut", rep.Captures[0].Packets)
	}
}

// TestWAVMatchesSox checks the decoded audio of a capture against sox's
// decoding of the same payload bytes, extracted by tshark.
func TestWAVMatchesSox(t *testing.T) {
	for _, tool := range []string{"tshark", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make deps installs it)", tool)
		}
	}
	call, _ := twoWayCall(t, capgen.Options{}, capgen.Impairments{JitterMs: 5, Reorder: 0.05, Seed: 3})
	dir := t.TempDir()
	rep, code, stderr := spitcheckJSON(t, "--wav-dir", dir, call)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range rep.Streams {
		t.Run(s.SSRC, func(t *testing.T) {
			// Payload bytes in sequence order, from tshark.
			out, err := exec.Command("tshark", "-n", "-r", call, "-o", "rtp.heuristic_rtp:TRUE",
				"-Y", "rtp.ssrc == "+s.SSRC, "-T", "fields", "-e", "rtp.seq", "-e", "rtp.payload").Output()
			if err != nil {
				t.Fatal(err)
			}
			type pl struct {
				seq  int
				data []byte
			}
			var pls []pl
			for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
				f := strings.Fields(line)
				var seq int
				for _, c := range f[0] {
					seq = seq*10 + int(c-'0')
				}
				b, err := hex.DecodeString(strings.ReplaceAll(f[1], ":", ""))
				if err != nil {
					t.Fatal(err)
				}
				pls = append(pls, pl{seq, b})
			}
			// The capture is reordered: sort by sequence number (no wrap here).
			for i := 1; i < len(pls); i++ {
				for j := i; j > 0 && pls[j].seq < pls[j-1].seq; j-- {
					pls[j], pls[j-1] = pls[j-1], pls[j]
				}
			}
			var raw []byte
			for _, p := range pls {
				raw = append(raw, p.data...)
			}
			law := "ul"
			if s.Codec == "PCMA" {
				law = "al"
			}
			in := filepath.Join(t.TempDir(), "payload.raw")
			os.WriteFile(in, raw, 0o644)
			soxOut, err := exec.Command("sox", "-t", law, "-r", "8000", "-c", "1", in, "-t", "s16", "-e", "signed", "-b", "16", "-L", "-").Output()
			if err != nil {
				t.Fatal(err)
			}
			want := make([]int16, len(soxOut)/2)
			for i := range want {
				want[i] = int16(binary.LittleEndian.Uint16(soxOut[2*i:]))
			}
			f, err := os.Open(s.WAV)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, rate, err := decode.ReadWAV(f)
			if err != nil || rate != 8000 {
				t.Fatalf("ReadWAV: rate %d, %v", rate, err)
			}
			if len(got) != len(want) {
				t.Fatalf("WAV has %d samples, sox decoded %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("sample %d: %d, sox %d", i, got[i], want[i])
				}
			}
		})
	}
}

func TestWAV16kAndLossAsSilence(t *testing.T) {
	call, truth := twoWayCall(t, capgen.Options{}, capgen.Impairments{Loss: 0.05, Seed: 4})
	dir := t.TempDir()
	rep, code, stderr := spitcheckJSON(t, "--wav-dir", dir, "--wav-rate", "16000", call)
	if code != exitClean {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for i, s := range rep.Streams {
		f, err := os.Open(s.WAV)
		if err != nil {
			t.Fatal(err)
		}
		pcm, rate, err := decode.ReadWAV(f)
		f.Close()
		if err != nil || rate != 16000 {
			t.Fatalf("%s: rate %d, %v", s.WAV, rate, err)
		}
		// Lost packets are filled: the audio spans every generated packet.
		want := truth[i].Generated * 320
		if len(pcm) != want {
			t.Errorf("%s: %d samples at 16 kHz, want %d (%d packets with loss filled)", s.SSRC, len(pcm), want, truth[i].Generated)
		}
	}
}

// TestNoAllocsPipeline proves the per-packet path of the pipeline (IP/UDP
// decode, RTP parse, stream lookup, reorder, frame to PCM) allocates nothing.
func TestNoAllocsPipeline(t *testing.T) {
	a, b := addrs("192.0.2.1:4000", "192.0.2.2:30000")
	var buf bytes.Buffer
	if _, err := capgen.Write(&buf, capgen.Options{}, capgen.Stream{Src: a, Dst: b, SSRC: 1, Audio: speechLike(30, 1), Impair: capgen.Impairments{Reorder: 0.05, Seed: 1}}); err != nil {
		t.Fatal(err)
	}
	rd, err := capture.NewReader(&buf, "mem")
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		data []byte
		info capture.Info
	}
	var recs []rec
	for {
		d, info, err := rd.Next()
		if err != nil {
			break
		}
		recs = append(recs, rec{append([]byte(nil), d...), info})
	}
	o := &options{}
	res := &fileResult{}
	tab := rtpflow.NewTable(rtpflow.Config{}, &audioSink{o: o, res: res})
	dec := packet.NewDecoder(packet.DecoderConfig{Reassemble: true})
	var u packet.UDP
	step := func(r rec) {
		if k, _ := dec.Decode(r.info.LinkType, r.data, r.info.Timestamp, &u); k == packet.KindUDP {
			tab.Handle(&u, r.info.Timestamp)
		}
	}
	for _, r := range recs[:50] {
		step(r)
	}
	i := 50
	allocs := testing.AllocsPerRun(1000, func() {
		step(recs[i])
		i++
	})
	if allocs != 0 {
		t.Errorf("pipeline allocates %.2f times per packet, want 0", allocs)
	}
}
