package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spitfilter/spitfilter/testdata/corpus"
)

func TestParseSphinx(t *testing.T) {
	for _, tc := range []struct {
		name, out string
		want      []string
	}{
		{"keyword spotting", "press one\npress one 3.050 3.620 0.891265\n",
			[]string{"press one 3.05-3.62"}},
		{"recognition drops fillers and the hypothesis",
			"you have won a free cruise\n<s> 0.000 0.160 0.999700\nfree 2.180 2.470 0.237291\n<sil> 2.471 2.475 0.5\ncruise 2.480 2.940 0.968987\nyour(2) 4.420 4.640 0.557625\n[NOISE] 5.0 5.1 1\n</s> 5.220 5.310 1.000000\n",
			[]string{"free 2.18-2.47", "cruise 2.48-2.94", "your(2) 4.42-4.64"}},
		{"several utterances", "a\na 0.1 0.2 1\nb\nb 7.5 7.9 0.5\n", []string{"a 0.10-0.20", "b 7.50-7.90"}},
		{"nothing heard", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			words, err := parseSphinx(strings.NewReader(tc.out))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range words {
				got = append(got, fmt.Sprintf("%s %.2f-%.2f", w.Text, w.Start, w.End))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("parseSphinx (-want +got):\n-%q\n+%q", tc.want, got)
			}
		})
	}
	if _, err := parseSphinx(strings.NewReader("gift card 5.0 4.0 0.9\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("backwards times: err %v, want one naming line 1", err)
	}
}

func TestParseReport(t *testing.T) {
	doc := `{"files":["a.pcap"],"streams":[{"ssrc":"0x1","detections":[
		{"rule":"free cruise","kind":"phrase","text":"free cruise","start_s":3.2,"end_s":3.9,"confidence":0.82,"action":"mute"},
		{"rule":"","text":"gift card","start_s":5,"end_s":5.5}]},{"ssrc":"0x2","detections":[]}]}`
	got, err := parseReport([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []corpus.Detection{{Phrase: "free cruise", Start: 3.2, End: 3.9, Confidence: 0.82}, {Phrase: "gift card", Start: 5, End: 5.5}}
	if fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("parseReport (-want +got):\n-%v\n+%v", want, got)
	}
	if _, err := parseReport([]byte("not json")); err == nil {
		t.Error("parseReport accepted text")
	}
}

// need fails the test when a tool is missing, or skips under -short.
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if testing.Short() {
				t.Skipf("-short: %s not installed", tool)
			}
			t.Fatalf("%s not installed (make deps installs it): %v", tool, err)
		}
	}
}

// TestPeerOnSmallCorpus runs the real pocketsphinx_continuous peer, in
// both modes, on the small corpus's spam with mirror upsampling, and
// requires it to find phrases (the figure itself is the benchmark's).
func TestPeerOnSmallCorpus(t *testing.T) {
	need(t, "flite", "espeak-ng", "sox", "pocketsphinx_continuous")
	ctx := context.Background()
	items, err := corpus.Generate(ctx, t.TempDir(), corpus.Options{Small: true})
	if err != nil {
		t.Fatal(err)
	}
	engines, err := engines(config{model: "/usr/share/pocketsphinx/model/en-us", sphinx: "pocketsphinx_continuous",
		spitcheck: filepath.Join(t.TempDir(), "no-such-spitcheck")}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range engines {
		if !strings.Contains(e.Audio, "mirror") {
			continue
		}
		t.Run(e.Mode, func(t *testing.T) {
			r, err := measure(ctx, e, items)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Available || r.Spam != 6 || r.Found == 0 || r.WallSeconds <= 0 || r.CPUSeconds <= 0 {
				t.Errorf("available %v, found %d of %d, wall %v s: want some found; missed %q", r.Available, r.Found, r.Spam, r.WallSeconds, r.Missed)
			}
		})
	}
}

// TestSpitcheckUnavailable checks that a missing spitcheck, and a real one
// built from this repository without --engine/--mode (or with them), give
// a report rather than a failure.
func TestSpitcheckUnavailable(t *testing.T) {
	ctx := context.Background()
	it := corpus.Item{ID: "x", Capture: filepath.Join("..", "..", "..", "captures", "call-pcmu.pcap")}
	missing := &spitcheck{bin: filepath.Join(t.TempDir(), "spitcheck"), config: "../../banned.yaml", engine: "pocketsphinx", mode: "keyword"}
	if _, _, err := missing.detect(ctx, it); !errors.Is(err, errUnavailable) {
		t.Errorf("missing binary: err %v, want errUnavailable", err)
	}

	need(t, "go")
	bin := filepath.Join(t.TempDir(), "spitcheck")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/spitfilter/spitfilter/cmd/spitcheck").CombinedOutput(); err != nil {
		t.Skipf("cmd/spitcheck does not build right now (others are editing it): %v\n%s", err, out)
	}
	real := &spitcheck{bin: bin, config: "../../banned.yaml", engine: "pocketsphinx", mode: "keyword"}
	d, cpu, err := real.detect(ctx, it)
	switch {
	case errors.Is(err, errUnavailable):
		t.Logf("spitcheck lacks the flags: %v", err)
	case err != nil:
		t.Errorf("spitcheck on %s: %v", it.Capture, err)
	default:
		t.Logf("spitcheck found %v using %v of processor time", d, cpu)
	}
	var buf bytes.Buffer
	printTable(&buf, summary{}, []row{{engine: engine{Engine: "spitcheck", Mode: "keyword"}, Reason: "no --mode"}})
	if !strings.Contains(buf.String(), "unavailable: no --mode") {
		t.Errorf("table does not mark the column unavailable:\n%s", buf.String())
	}
}

func TestMirrorWAV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wav")
	f, _ := os.Create(in)
	w := newWAV(f)
	w.Write([]int16{100, 50, -20000, 7, 30000, 1})
	w.Close()
	f.Close()
	out, err := mirrorWAV(in, filepath.Join(dir, "out.wav"))
	if err != nil {
		t.Fatal(err)
	}
	got := readWAV(t, out)
	want := []int16{200, 0, -32768, 0, 32767, 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("mirror (-want +got):\n-%v\n+%v", want, got)
	}
	if _, err := mirrorWAV(filepath.Join(dir, "none.wav"), filepath.Join(dir, "o.wav")); err == nil {
		t.Error("missing input accepted")
	}
}

func TestFromJSON(t *testing.T) {
	doc := `{"corpus":{"spam":1,"negative":1,"total_s":20,"negative_s":8,"seed":1},"rows":[
	 {"engine":"pocketsphinx_continuous","mode":"kws","audio":"wav","available":true,"found":1,"spam":1,"recall":1,"cpu_real_time_factor":0.05,"false_alarms":2,"negative_false_alarms":1,"mean_latency_s":0.25,"has_latency":true},
	 {"engine":"spitcheck pocketsphinx","mode":"full","audio":"capture","available":true,"found":0,"spam":1,"cpu_real_time_factor":0.1},
	 {"engine":"spitcheck pocketsphinx","mode":"both","audio":"capture","available":false,"reason":"no --mode"}]}`
	path := filepath.Join(t.TempDir(), "r.json")
	os.WriteFile(path, []byte(doc), 0o644)
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"-from", path}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"| pocketsphinx_continuous | kws | wav | 1/1 (100 %) | 2 (1 in negatives) |",
		"| 0.050 | 1.00 | +0.25 |",
		"| spitcheck pocketsphinx | full | capture | 0/1 (0 %) |",
		"| 0.100 | 2.00 | - |",
		"| both | capture | unavailable: no --mode |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"-from", filepath.Join(t.TempDir(), "none.json")}, &out, &errb); err == nil {
		t.Error("missing -from file accepted")
	}
}
