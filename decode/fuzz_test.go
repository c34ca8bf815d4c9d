package decode

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode decodes arbitrary payloads with both laws. Decoding must never
// panic, must write exactly one sample per byte, must agree between the
// Decode and AppendDecode forms, and must survive re-encoding (every code
// maps back to itself, µ-law's 0x7F to its twin 0xFF).
func FuzzDecode(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzDecode.
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, law := range g711Laws {
			pcm := make([]int16, len(payload))
			if n := law.decode(pcm, payload); n != len(payload) {
				t.Fatalf("%s: decoded %d bytes to %d samples", law.name, len(payload), n)
			}
			appended := law.codec.AppendDecode([]int16{42}, payload)
			if len(appended) != 1+len(payload) || appended[0] != 42 {
				t.Fatalf("%s: AppendDecode gave %d samples, want 1+%d with the prefix kept", law.name, len(appended), len(payload))
			}
			if d := diffSamples(pcm, appended[1:]); d != "" {
				t.Fatalf("%s: Decode vs AppendDecode (-want +got):\n%s", law.name, d)
			}
			codes := law.appendEncode(nil, pcm)
			for i, c := range codes {
				want := payload[i]
				if law.codec == PCMU && want == 0x7F {
					want = 0xFF
				}
				if c != want {
					t.Fatalf("%s: code %#x decodes to %d, which encodes as %#x", law.name, payload[i], pcm[i], c)
				}
			}
		}
	})
}

// FuzzReadWAV reads arbitrary bytes as a WAV file. ReadWAV must never panic,
// must fail only with its sentinel errors, and what it accepts must survive
// a round trip through WAVWriter.
func FuzzReadWAV(f *testing.F) {
	// Seeds live in testdata/fuzz/FuzzReadWAV.
	f.Fuzz(func(t *testing.T, data []byte) {
		samples, rate, err := ReadWAV(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrNotWAV) && !errors.Is(err, ErrUnsupportedWAV) {
				t.Fatalf("ReadWAV error %v is neither ErrNotWAV nor ErrUnsupportedWAV", err)
			}
			return
		}
		var out fileBuffer
		w := NewWAVWriter(&out, rate)
		if err := w.Write(samples); err != nil {
			t.Fatalf("rewriting %d samples at %d Hz: %v", len(samples), rate, err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		again, rate2, err := ReadWAV(bytes.NewReader(out.b))
		if err != nil || rate2 != rate {
			t.Fatalf("reading the rewritten file: rate %d (want %d), %v", rate2, rate, err)
		}
		if d := diffSamples(samples, again); d != "" {
			t.Fatalf("rewritten samples (-want +got):\n%s", d)
		}
	})
}
