package enforce

import (
	"math"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
)

// The G.711 digital milliwatt: a 1 kHz sine at 0 dBm0 (ITU-T G.711 tables
// 5 and 6).
var milliwatt = map[decode.Codec][8]byte{
	decode.PCMU: {0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E},
	decode.PCMA: {0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4},
}

func power(c decode.Codec, b []byte) float64 {
	pcm := c.AppendDecode(nil, b)
	var p float64
	for _, s := range pcm {
		p += float64(s) * float64(s)
	}
	return p / float64(len(pcm))
}

// TestToneMilliwatt: at 0 dBm0 the tone table is the digital milliwatt.
func TestToneMilliwatt(t *testing.T) {
	for _, c := range []decode.Codec{decode.PCMU, decode.PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			got := toneTable(c, 0)
			want := milliwatt[c]
			if d := diffBytes(want[:], got[:]); d != "" {
				t.Error(d)
			}
		})
	}
}

// TestToneLevel measures the bleep against the digital milliwatt: the
// power ratio is the level in dBm0.
func TestToneLevel(t *testing.T) {
	for _, c := range []decode.Codec{decode.PCMU, decode.PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			tt, mw := toneTable(c, ToneLevel), milliwatt[c]
			level := 10 * math.Log10(power(c, tt[:])/power(c, mw[:]))
			if math.Abs(level-ToneLevel) > 0.3 {
				t.Errorf("tone at %.2f dBm0, want %.1f ± 0.3", level, ToneLevel)
			}
			t.Logf("%v tone: %.2f dBm0", c, level)
		})
	}
}

// TestBleepContinuous bleeps a stream through Apply, with a lost packet and
// packets whose length is not a multiple of the tone's period, puts the
// decoded samples on the RTP timeline and checks that they are one
// continuous 1 kHz sine: every sample matches the ideal one at its
// timestamp, and the spectrum is the single tone.
func TestBleepContinuous(t *testing.T) {
	e := New(Config{})
	for _, c := range []decode.Codec{decode.PCMU, decode.PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			pt, _ := c.PayloadType()
			st := NewState(keyOf(flow4, 9))
			if err := st.Set(Decision{Action: ActionBleep}); err != nil {
				t.Fatal(err)
			}
			const start = 1003
			sizes := []int{160, 161, 157, 160, 160, 163}
			lost := 2
			timeline := map[uint32]int16{}
			ts := uint32(start)
			for i, n := range sizes {
				if i != lost {
					pkt := ipPacket(t, flow4, rtpSpec{pt: pt, ts: ts, seq: uint16(i), ssrc: 9, payload: audio(n)}.marshal(t), false)
					u := decodeRaw(t, pkt)
					if r := e.Apply(pkt, &u, st, t0.Add(time.Duration(i)*20*time.Millisecond)); r.Verdict != Bleep {
						t.Fatalf("packet %d: %+v", i, r)
					}
					pcm := c.AppendDecode(nil, u.Payload[12:])
					for j, s := range pcm {
						timeline[ts+uint32(j)] = s
					}
				}
				ts += uint32(n)
			}
			mw := milliwatt[c]
			amp := math.Sqrt(2*power(c, mw[:])) * math.Pow(10, ToneLevel/20)
			var sig []float64
			for n := uint32(start); n < ts; n++ {
				s, ok := timeline[n]
				if !ok {
					continue
				}
				want := amp * math.Sin(9*math.Pi/8+math.Pi/4*float64(n))
				// G.711 quantisation: steps are at most 1/16 of the
				// segment's value, so 8% of the peak is generous.
				if d := math.Abs(float64(s) - want); d > 0.08*amp {
					t.Fatalf("sample at ts %d: %d, want %.0f (off by %.0f)", n, s, want, d)
				}
				sig = append(sig, float64(s))
			}
			if len(sig) < 800 {
				t.Fatalf("only %d samples on the timeline", len(sig))
			}
			// Goertzel at 1 kHz over the samples after the loss, which
			// are contiguous: the tone holds nearly all the power.
			tail := sig[len(sig)-480:]
			var s1, s2, total float64
			k := 2 * math.Cos(2*math.Pi*1000/8000)
			for _, x := range tail {
				s1, s2 = x+k*s1-s2, s1
				total += x * x
			}
			p1k := (s1*s1 + s2*s2 - k*s1*s2) / float64(len(tail)) * 2 / float64(len(tail))
			if frac := p1k / (total / float64(len(tail))); frac < 0.99 {
				t.Errorf("1 kHz carries %.3f of the power, want > 0.99", frac)
			}
		})
	}
}
