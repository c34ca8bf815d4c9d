package spotter

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// signal builds 8 kHz test audio from segments: white noise at a level,
// or a speech-like burst (a 300 Hz tone with a 4 Hz syllable envelope).
type segment struct {
	speech bool
	dBFS   float64
	dur    time.Duration
}

func synth(seed uint64, segs ...segment) []int16 {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out []int16
	for _, s := range segs {
		amp := 32768 * math.Pow(10, s.dBFS/20)
		n := int(s.dur.Seconds() * 8000)
		for i := range n {
			var v float64
			if s.speech {
				env := 0.6 + 0.4*math.Sin(2*math.Pi*4*float64(i)/8000)
				v = amp * math.Sqrt2 * env * math.Sin(2*math.Pi*300*float64(i)/8000)
			} else {
				v = amp * rng.NormFloat64()
			}
			out = append(out, int16(max(-32768, min(32767, v))))
		}
	}
	return out
}

// run feeds pcm through a gate and returns the times of its events.
func runGate(g *Gate, pcm []int16) (opens, closes []time.Duration, open time.Duration) {
	fl := g.FrameLen()
	for i := 0; i+fl <= len(pcm); i += fl {
		t := time.Duration(i+fl) * time.Second / 8000
		switch g.Frame(pcm[i : i+fl]) {
		case Open:
			opens = append(opens, t)
		case Close:
			closes = append(closes, t)
		}
		if g.IsOpen() {
			open += 10 * time.Millisecond
		}
	}
	return
}

func TestGate(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name         string
		segs         []segment
		opens        []time.Duration // each within 100 ms
		maxOpen      time.Duration
		closesAfter  time.Duration // every close at or after this
		wantNoEvents bool
	}{
		{name: "digital silence", segs: []segment{{false, -200, 5 * s}}, wantNoEvents: true},
		{name: "line noise", segs: []segment{{false, -45, 10 * s}}, wantNoEvents: true},
		{name: "loud hum-free noise", segs: []segment{{false, -25, 10 * s}}, wantNoEvents: true},
		{name: "speech in quiet", segs: []segment{{false, -60, 2 * s}, {true, -20, 2 * s}, {false, -60, 3 * s}},
			opens: []time.Duration{2 * s}, maxOpen: 2*s + 800*time.Millisecond, closesAfter: 4 * s},
		{name: "speech in noise", segs: []segment{{false, -40, 2 * s}, {true, -20, 2 * s}, {false, -40, 3 * s}},
			opens: []time.Duration{2 * s}, maxOpen: 2*s + 800*time.Millisecond, closesAfter: 4 * s},
		{name: "two sentences", segs: []segment{{false, -60, 1 * s}, {true, -20, 1 * s}, {false, -60, 2 * s}, {true, -25, 1 * s}, {false, -60, 2 * s}},
			opens: []time.Duration{1 * s, 4 * s}, maxOpen: 2*s + 1600*time.Millisecond, closesAfter: 2 * s},
		{name: "too quiet", segs: []segment{{false, -90, 2 * s}, {true, -65, 2 * s}, {false, -90, 2 * s}}, wantNoEvents: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opens, closes, open := runGate(NewGate(GateConfig{}), synth(7, tc.segs...))
			if tc.wantNoEvents {
				if len(opens)+len(closes) > 0 {
					t.Errorf("opened at %v, closed at %v; want no utterance", opens, closes)
				}
				return
			}
			if len(opens) != len(tc.opens) || len(closes) != len(tc.opens) {
				t.Fatalf("opened at %v, closed at %v; want %d utterances", opens, closes, len(tc.opens))
			}
			for i, o := range opens {
				if d := o - tc.opens[i]; d < 0 || d > 100*time.Millisecond {
					t.Errorf("utterance %d opened at %v, want within 100 ms after %v", i, o, tc.opens[i])
				}
				if closes[i] < tc.closesAfter {
					t.Errorf("utterance %d closed at %v, before %v", i, closes[i], tc.closesAfter)
				}
			}
			if open > tc.maxOpen {
				t.Errorf("open for %v, want at most %v", open, tc.maxOpen)
			}
		})
	}
}

func TestGateMaxUtterance(t *testing.T) {
	g := NewGate(GateConfig{MaxUtterance: 2 * time.Second})
	opens, closes, _ := runGate(g, synth(1, segment{false, -60, time.Second}, segment{true, -20, 10 * time.Second}))
	if len(closes) < 2 || len(opens) < 2 {
		t.Fatalf("opened at %v, closed at %v: want continuous speech cut into utterances of at most 4 s", opens, closes)
	}
	for i := range closes {
		if d := closes[i] - opens[i]; d > 4*time.Second+50*time.Millisecond {
			t.Errorf("utterance %d lasted %v", i, d)
		}
	}
}
