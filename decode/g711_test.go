package decode

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// A g711Law bundles one G.711 law's functions from this package with its
// references: sox's name for it and the ITU-T G.191 (STL) reference
// algorithms written out from the recommendation in ulaw_test.go and
// alaw_test.go.
type g711Law struct {
	name         string
	codec        Codec
	soxType      string
	decode       func([]int16, []byte) int
	appendDecode func([]int16, []byte) []int16
	encode       func([]byte, []int16) int
	appendEncode func([]byte, []int16) []byte
	ituExpand    func(byte) int16
	ituCompress  func(int16) byte
	// quantum is the input step G.711 quantizes from, in 16-bit LSBs:
	// µ-law takes 14-bit samples, A-law 13-bit ones.
	quantum int
}

var g711Laws = []g711Law{
	{"ulaw", PCMU, "ul", DecodeULaw, AppendDecodeULaw, EncodeULaw, AppendEncodeULaw, ituULawExpand, ituULawCompress, 4},
	{"alaw", PCMA, "al", DecodeALaw, AppendDecodeALaw, EncodeALaw, AppendEncodeALaw, ituALawExpand, ituALawCompress, 8},
}

// allCodes returns the 256 G.711 codes in order.
func allCodes() []byte {
	codes := make([]byte, 256)
	for i := range codes {
		codes[i] = byte(i)
	}
	return codes
}

// diffSamples lists, in (-want +got) form, where two PCM sequences differ,
// or returns "" when they are equal.
func diffSamples[T int16 | byte](want, got []T) string {
	var b strings.Builder
	if len(want) != len(got) {
		fmt.Fprintf(&b, "length: -%d +%d\n", len(want), len(got))
	}
	shown := 0
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			if shown < 20 {
				fmt.Fprintf(&b, "[%d] (0x%02x): -%d +%d\n", i, i%256, want[i], got[i])
			}
			shown++
		}
	}
	if shown > 20 {
		fmt.Fprintf(&b, "... %d differences in all\n", shown)
	}
	return b.String()
}

func TestDecodeAllCodes(t *testing.T) {
	for _, law := range g711Laws {
		t.Run(law.name, func(t *testing.T) {
			codes := allCodes()
			got := make([]int16, len(codes))
			if n := law.decode(got, codes); n != len(codes) {
				t.Fatalf("decode returned %d, want %d", n, len(codes))
			}
			t.Run("itu-g191", func(t *testing.T) {
				want := make([]int16, len(codes))
				for i, c := range codes {
					want[i] = law.ituExpand(c)
				}
				if d := diffSamples(want, got); d != "" {
					t.Errorf("decoding differs from the G.191 reference (-want +got):\n%s", d)
				}
			})
			t.Run("sox", func(t *testing.T) {
				want := soxDecode(t, law.soxType, codes)
				if d := diffSamples(want, got); d != "" {
					t.Errorf("decoding differs from sox (-want +got):\n%s", d)
				}
			})
		})
	}
}

func TestDecodeRandomMatchesSox(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	payload := make([]byte, 1<<16)
	for i := range payload {
		payload[i] = byte(rng.Uint32())
	}
	for _, law := range g711Laws {
		t.Run(law.name, func(t *testing.T) {
			want := soxDecode(t, law.soxType, payload)
			// Decode frame by frame, as the pipeline does.
			var got []int16
			for frame := range slices.Chunk(payload, 160) {
				got = law.appendDecode(got, frame)
			}
			if d := diffSamples(want, got); d != "" {
				t.Errorf("decoding differs from sox (-want +got):\n%s", d)
			}
		})
	}
}

// allSamples returns every int16 value in increasing order.
func allSamples() []int16 {
	s := make([]int16, 1<<16)
	for i := range s {
		s[i] = int16(i - 1<<15)
	}
	return s
}

func TestEncodeAllSamples(t *testing.T) {
	pcm := allSamples()
	for _, law := range g711Laws {
		t.Run(law.name, func(t *testing.T) {
			got := make([]byte, len(pcm))
			if n := law.encode(got, pcm); n != len(pcm) {
				t.Fatalf("encode returned %d, want %d", n, len(pcm))
			}
			t.Run("itu-g191", func(t *testing.T) {
				want := make([]byte, len(pcm))
				for i, s := range pcm {
					want[i] = law.ituCompress(s)
				}
				if d := diffSamples(want, got); d != "" {
					t.Errorf("encoding differs from the G.191 reference (-want +got, index = sample+32768):\n%s", d)
				}
			})
			// sox rounds 16-bit input to the nearest 14-bit (µ-law) or
			// 13-bit (A-law) value where G.191 truncates, and takes
			// µ-law magnitudes by negation where G.191 complements. So
			// the two may pick neighbouring codes for inputs within one
			// quantum of a decision threshold (or the other zero), and
			// nowhere else.
			t.Run("sox", func(t *testing.T) {
				want := soxEncode(t, law.soxType, pcm)
				differ := 0
				for i, s := range pcm {
					if want[i] == got[i] {
						continue
					}
					differ++
					a, b := int(law.ituExpand(want[i])), int(law.ituExpand(got[i]))
					near := got[max(i-law.quantum, 0):min(i+law.quantum+1, len(got))]
					if a == b { // µ-law's two zeros: sox says +0 for -1 and -2
						continue
					}
					if !adjacentLevels(law, min(a, b), max(a, b)) || !slices.Contains(near, want[i]) {
						t.Errorf("sample %d: sox code 0x%02x (%d), ours 0x%02x (%d): not neighbours at a decision threshold",
							s, want[i], a, got[i], b)
					}
				}
				t.Logf("%s: sox and this package pick neighbouring codes for %d of %d inputs, all at decision thresholds", law.name, differ, len(pcm))
			})
		})
	}
}

// adjacentLevels reports whether lo < hi are neighbouring reconstruction
// levels of law.
func adjacentLevels(law g711Law, lo, hi int) bool {
	if lo >= hi {
		return false
	}
	for c := range 256 {
		if v := int(law.ituExpand(byte(c))); v > lo && v < hi {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	for _, law := range g711Laws {
		t.Run(law.name+"/code-pcm-code", func(t *testing.T) {
			codes := allCodes()
			pcm := law.appendDecode(nil, codes)
			got := law.appendEncode(nil, pcm)
			want := slices.Clone(codes)
			if law.codec == PCMU {
				want[0x7F] = 0xFF // µ-law's "negative zero" decodes to 0, which encodes as 0xFF
			}
			if d := diffSamples(want, got); d != "" {
				t.Errorf("encode(decode(code)) != code (-want +got):\n%s", d)
			}
		})
		t.Run(law.name+"/pcm-code-pcm", func(t *testing.T) {
			levels := slices.Sorted(slices.Values(law.appendDecode(nil, allCodes())))
			levels = slices.Compact(levels)
			pcm := allSamples()
			got := law.appendDecode(nil, law.appendEncode(nil, pcm))
			for i, s := range pcm {
				// The result is one of the two levels around s (the
				// extreme level outside their range), and it never
				// decreases as s increases.
				j, _ := slices.BinarySearch(levels, s)
				var ok bool
				switch {
				case j == 0:
					ok = got[i] == levels[0]
				case j == len(levels):
					ok = got[i] == levels[len(levels)-1]
				default:
					ok = got[i] == levels[j] || got[i] == levels[j-1]
				}
				if !ok {
					t.Errorf("decode(encode(%d)) = %d, not a level next to it", s, got[i])
				}
				if i > 0 && got[i] < got[i-1] {
					t.Errorf("decode(encode(%d)) = %d < decode(encode(%d)) = %d", s, got[i], pcm[i-1], got[i-1])
				}
			}
		})
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	prefixPCM := []int16{1, -2, 3}
	prefixCodes := []byte{0xAA, 0x55}
	src := []byte{0x00, 0x7F, 0x80, 0xFF, 0xD5, 0x2A}
	for _, law := range g711Laws {
		t.Run(law.name, func(t *testing.T) {
			want := make([]int16, len(src))
			law.decode(want, src)
			want = append(slices.Clone(prefixPCM), want...)
			if d := diffSamples(want, law.appendDecode(slices.Clone(prefixPCM), src)); d != "" {
				t.Errorf("append decode (-want +got):\n%s", d)
			}
			if d := diffSamples(want, law.codec.AppendDecode(slices.Clone(prefixPCM), src)); d != "" {
				t.Errorf("codec append decode (-want +got):\n%s", d)
			}
			pcm := want[len(prefixPCM):]
			wantCodes := make([]byte, len(pcm))
			law.encode(wantCodes, pcm)
			wantCodes = append(slices.Clone(prefixCodes), wantCodes...)
			if d := diffSamples(wantCodes, law.appendEncode(slices.Clone(prefixCodes), pcm)); d != "" {
				t.Errorf("append encode (-want +got):\n%s", d)
			}
			if d := diffSamples(wantCodes, law.codec.AppendEncode(slices.Clone(prefixCodes), pcm)); d != "" {
				t.Errorf("codec append encode (-want +got):\n%s", d)
			}
		})
	}
}

func TestShortDstPanics(t *testing.T) {
	for _, law := range g711Laws {
		t.Run(law.name+"/decode", func(t *testing.T) {
			dst := make([]int16, 2, 10) // capacity is not length: must still panic
			defer wantPanic(t, "dst has room for 2 samples, src needs 3")
			law.decode(dst, []byte{1, 2, 3})
		})
		t.Run(law.name+"/encode", func(t *testing.T) {
			defer wantPanic(t, "dst has room for 0 samples, src needs 1")
			law.encode(nil, []int16{1})
		})
	}
}

func wantPanic(t *testing.T, msg string) {
	t.Helper()
	r := recover()
	if r == nil {
		t.Fatal("no panic")
	}
	if s, _ := r.(string); !strings.Contains(s, msg) {
		t.Fatalf("panic %q, want it to contain %q", r, msg)
	}
}
