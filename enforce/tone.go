package enforce

import (
	"math"

	"github.com/spitfilter/spitfilter/decode"
)

// ToneLevel is the level of the bleep tone, in dBm0: loud enough to be
// heard over a line as a beep, 10 dB below the digital milliwatt.
const ToneLevel = -10.0

// toneTable returns one cycle of a 1 kHz sine at level dBm0, sampled at
// 8 kHz (8 samples) and encoded in c. The samples sit at phases 9π/8 + kπ/4,
// those of the G.711 digital milliwatt (ITU-T G.711 tables 5 and 6), which a
// table at 0 dBm0 reproduces byte for byte.
func toneTable(c decode.Codec, level float64) [8]byte {
	// The sine whose peak just reaches the codec's largest value is
	// 3.17 dBm0 for µ-law and 3.14 dBm0 for A-law (G.711 tables 1a and
	// 2a); decode's 16-bit scale puts that peak at 32636 and 32768.
	full, over := 32636.0, 3.17
	if c == decode.PCMA {
		full, over = 32768.0, 3.14
	}
	amp := full * math.Pow(10, (level-over)/20)
	var pcm [8]int16
	for i := range pcm {
		pcm[i] = int16(math.Round(amp * math.Sin(9*math.Pi/8+float64(i)*math.Pi/4)))
	}
	var t [8]byte
	c.Encode(t[:], pcm[:])
	return t
}
