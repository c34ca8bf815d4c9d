package main

import (
	"log/slog"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/enforce"
	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/spotter"
)

// TestRecognizerReuse: with real PocketSphinx, a spam call after another
// one has ended is heard by the first call's recognizer, reset, and still
// detected, in both modes.
func TestRecognizerReuse(t *testing.T) {
	clips := speak(t)
	eng := pocketSphinx(t)
	for _, mode := range []string{"keyword", "auto"} {
		t.Run(mode, func(t *testing.T) {
			pp := policyInForce(t, eng, "mode: "+mode+"\nbanned: [car warranty]\naction: mute\n")
			ev := &eventLog{}
			recs := newRecPool(eng, 1)
			defer recs.Close()
			an := newAnalyzer(slog.New(slog.NewTextHandler(testWriter{t}, nil)), recs, pp, ev.emit, 0, 1, 64, AnalysisBatch)
			defer an.shutdown(5 * time.Second)
			l := newLane(0, rtpflow.Config{Ports: rtpflow.Ports{{Lo: 10000, Hi: 20000}}}, enforce.New(enforce.Config{}), an, &fakeSink{})

			t0 := time.Unix(1700000000, 0)
			for n, ssrc := range []uint32{0xA11CE, 0xB0B} {
				start := t0.Add(time.Duration(n) * time.Minute)
				for i, p := range call(clips["spam"], ssrc) {
					l.handle(uint32(i), ipv4UDP(caller, callee, p), start.Add(time.Duration(i)*20*time.Millisecond))
				}
				l.flush() // the call ends: its recognizer goes back to the pool
				waitFor(60*time.Second, func() bool { return an.stats().StreamsEnded == uint64(n+1) })
				if got := an.stats().StreamsEnded; got != uint64(n+1) {
					t.Fatalf("call %d: %d streams ended", n+1, got)
				}
			}
			if made, reused := recs.counts(); made != 1 || reused != 1 {
				t.Errorf("recognizers made %d, reused %d; want 1 and 1", made, reused)
			}
			heard := map[uint32]bool{}
			for _, e := range ev.all() {
				if e.Event == eventDetection && e.Rule == "car warranty" {
					heard[e.Key.SSRC] = true
				}
			}
			if !heard[0xA11CE] || !heard[0xB0B] {
				t.Errorf("detected on the first call %v, on the second (reused recognizer) %v; want both", heard[0xA11CE], heard[0xB0B])
			}
		})
	}
}

// BenchmarkRecognizerSetUp: what a call's analysis pays before its first
// word, PocketSphinx in the default mode: a recognizer made for it, or one
// kept from an ended call (reset and handed back).
func BenchmarkRecognizerSetUp(b *testing.B) {
	eng := pocketSphinx(b)
	b.Run("made", func(b *testing.B) { setUpLoop(b, eng.NewRecognizer) })
	b.Run("reused", func(b *testing.B) {
		p := newRecPool(eng, 1)
		defer p.Close()
		r, err := p.NewRecognizer(setUpVocabulary) // the call before: the pool's one
		if err != nil {
			b.Fatal(err)
		}
		r.Close()
		setUpLoop(b, p.NewRecognizer)
	})
}

var setUpVocabulary = spotter.Vocabulary{Phrases: []string{"car warranty", "free cruise"}}

// setUpLoop times what a new call waits for: a recognizer from get and its
// first 10 ms of audio, in wall time and in the process's CPU time
// (cpu-ms/op). Ending the call (its last utterance finished, the recognizer
// closed or handed back, reset) is the previous call's cost, on its own
// worker, and is not counted.
func setUpLoop(b *testing.B, get func(spotter.Vocabulary) (spotter.Recognizer, error)) {
	pcm := make([]int16, 160)
	var cpu time.Duration
	n := 0
	for b.Loop() {
		c0 := processCPU()
		r, err := get(setUpVocabulary)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Write(pcm); err != nil {
			b.Fatal(err)
		}
		cpu += processCPU() - c0
		n++
		b.StopTimer()
		if _, err := r.Final(nil); err != nil {
			b.Fatal(err)
		}
		r.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(n), "cpu-ms/op")
}
