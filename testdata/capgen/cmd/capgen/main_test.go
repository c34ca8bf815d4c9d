package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
	"github.com/spitfilter/spitfilter/testdata/capgen"
)

func TestParseDTMF(t *testing.T) {
	tests := []struct {
		in      string
		want    []capgen.DTMF
		wantErr bool
	}{
		{"", nil, false},
		{"1@2s", []capgen.DTMF{{Digit: '1', At: 2 * time.Second}}, false},
		{"1@2s, #@3.5s/200ms", []capgen.DTMF{{Digit: '1', At: 2 * time.Second}, {Digit: '#', At: 3500 * time.Millisecond, Duration: 200 * time.Millisecond}}, false},
		{"12@2s", nil, true},
		{"1", nil, true},
		{"1@soon", nil, true},
		{"1@2s/long", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDTMF(tt.in)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseDTMF(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseSpans(t *testing.T) {
	tests := []struct {
		in      string
		want    []capgen.Span
		wantErr bool
	}{
		{"", nil, false},
		{"4s-5s", []capgen.Span{{From: 4 * time.Second, To: 5 * time.Second}}, false},
		{"0s-1s,2s-2.5s", []capgen.Span{{To: time.Second}, {From: 2 * time.Second, To: 2500 * time.Millisecond}}, false},
		{"4s", nil, true},
		{"a-5s", nil, true},
		{"4s-b", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSpans(tt.in)
			if (err != nil) != tt.wantErr || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("parseSpans(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// writeWAV writes n samples of a ramp as a mono 16-bit WAV.
func writeWAV(t *testing.T, path string, rate, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := make([]int, n)
	for i := range data {
		data[i] = (i * 37 % 2000) - 1000
	}
	enc := wav.NewEncoder(f, rate, 16, 1, 1)
	if err := enc.Write(&audio.IntBuffer{Format: &audio.Format{NumChannels: 1, SampleRate: rate}, Data: data, SourceBitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	a, b, wide := filepath.Join(dir, "a.wav"), filepath.Join(dir, "b.wav"), filepath.Join(dir, "wide.wav")
	writeWAV(t, a, 8000, 3*8000)
	writeWAV(t, b, 8000, 8000)
	writeWAV(t, wide, 16000, 8000)

	t.Run("two streams with comfort-noise padding", func(t *testing.T) {
		out, truthFile := filepath.Join(dir, "call.pcapng"), filepath.Join(dir, "truth.json")
		var stdout, stderr bytes.Buffer
		args := []string{"-wav", a, "-reply", b, "-lead", "1s", "-pad-cn", "-rtcp", "-format", "pcapng", "-link", "sll2",
			"-pt", "8", "-loss", "0.05", "-seed", "4", "-seq", "65530", "-dtmf", "7@2s", "-ipv6", "-o", out, "-truth", truthFile}
		if err := run(args, &stdout, &stderr); err != nil {
			t.Fatalf("run: %v\n%s", err, stderr.String())
		}
		var truth []capgen.StreamTruth
		raw, err := os.ReadFile(truthFile)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &truth); err != nil {
			t.Fatal(err)
		}
		if len(truth) != 2 {
			t.Fatalf("%d streams in the truth, want 2", len(truth))
		}
		fwd, rev := truth[0], truth[1]
		// Forward: 4 s = 200 slots; 1 s lead as CN (5 packets instead of 50), one DTMF event (5+3 packets).
		checks := []struct {
			name      string
			got, want any
		}{
			{"forward src", fwd.Src.String(), "[2001:db8::1]:4000"},
			{"forward pt", fwd.PayloadType, uint8(8)},
			{"forward first seq", fwd.FirstSeq, uint16(65530)},
			{"forward cn", fwd.ComfortNoise, 5},
			{"forward dtmf", fwd.DTMF, 8},
			{"forward audio", fwd.Audio, 150 - 8},
			{"forward rtcp", fwd.RTCP, 1},
			{"reverse src", rev.Src.String(), "[2001:db8::2]:30000"},
			{"reverse ssrc", rev.SSRC, uint32(0x5e6f7081)},
			{"reverse audio", rev.Audio, 50},
			{"reverse cn", rev.ComfortNoise, 15},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
			}
		}
		if lines := strings.Count(stdout.String(), "\n"); lines != 2 {
			t.Errorf("stdout has %d lines, want 2:\n%s", lines, stdout.String())
		}
		capture, err := os.ReadFile(out)
		if err != nil || !bytes.HasPrefix(capture, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
			t.Fatalf("output is not pcapng (%v)", err)
		}
	})

	errTests := []struct {
		name string
		args []string
		want string
	}{
		{"16 kHz wav", []string{"-wav", wide, "-o", filepath.Join(dir, "x.pcap")}, "sox in.wav -r 8000 -c 1 out.wav"},
		{"missing wav", []string{"-o", filepath.Join(dir, "x.pcap")}, "-wav and -o are required"},
		{"bad link", []string{"-wav", a, "-o", filepath.Join(dir, "x.pcap"), "-link", "fddi"}, "-link"},
		{"bad pt", []string{"-wav", a, "-o", filepath.Join(dir, "x.pcap"), "-pt", "9"}, "-pt 9"},
		{"bad ssrc", []string{"-wav", a, "-o", filepath.Join(dir, "x.pcap"), "-ssrc", "zz"}, "-ssrc"},
		{"bad dtmf", []string{"-wav", a, "-o", filepath.Join(dir, "x.pcap"), "-dtmf", "1@9s"}, "dtmf 0 at 9s"},
		{"stray argument", []string{"-wav", a, "-o", filepath.Join(dir, "x.pcap"), "extra"}, "unexpected argument"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
			if errors.Is(err, capgen.ErrEvent) != (tt.name == "bad dtmf") {
				t.Errorf("errors.Is(ErrEvent) = %v", errors.Is(err, capgen.ErrEvent))
			}
			if _, statErr := os.Stat(filepath.Join(dir, "x.pcap")); statErr == nil {
				t.Error("a failed run left its output file behind")
			}
		})
	}
}
