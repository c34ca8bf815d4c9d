package decode

import (
	"fmt"
	"slices"

	"github.com/zaf/g711"
)

// ulawToLinear maps each µ-law code to its 16-bit linear value (the ITU-T
// G.711 14-bit value scaled by 4, as g711 and sox produce it). Built once
// from github.com/zaf/g711; read-only afterwards.
var ulawToLinear = buildTable(g711.DecodeUlawFrame)

// buildTable tabulates a per-code G.711 decoder.
func buildTable(decode func(uint8) int16) *[256]int16 {
	var t [256]int16
	for c := range t {
		t[c] = decode(uint8(c))
	}
	return &t
}

// checkLen panics with a message that names the function and both lengths
// when dst cannot hold n items. Like encoding/hex, the Decode and Encode
// functions treat a short dst as a programming error.
func checkLen(fn string, dst, n int) {
	if dst < n {
		panic(fmt.Sprintf("decode: %s: dst has room for %d samples, src needs %d", fn, dst, n))
	}
}

// DecodeULaw decodes the G.711 µ-law bytes in src into 16-bit linear PCM in
// dst and returns the number of samples written, always len(src). dst must
// have len(dst) >= len(src); DecodeULaw panics otherwise. Every byte value is
// a valid code, so decoding never fails. It does not allocate and dst does
// not alias src.
func DecodeULaw(dst []int16, src []byte) int {
	checkLen("DecodeULaw", len(dst), len(src))
	dst = dst[:len(src)]
	t := ulawToLinear
	for i, c := range src {
		dst[i] = t[c]
	}
	return len(src)
}

// AppendDecodeULaw appends the 16-bit linear PCM decoding of the µ-law bytes
// in src to dst and returns the extended slice. It allocates only when dst
// lacks capacity for len(src) more samples.
func AppendDecodeULaw(dst []int16, src []byte) []int16 {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	DecodeULaw(dst[n:], src)
	return dst
}

// EncodeULaw encodes the 16-bit linear PCM samples in src as G.711 µ-law
// bytes in dst and returns the number of bytes written, always len(src). dst
// must have len(dst) >= len(src); EncodeULaw panics otherwise. Samples are
// quantized as ITU-T G.711 specifies (the two least significant bits are
// dropped, magnitudes above 32635 clip to the top code). It does not
// allocate.
func EncodeULaw(dst []byte, src []int16) int {
	checkLen("EncodeULaw", len(dst), len(src))
	dst = dst[:len(src)]
	for i, s := range src {
		dst[i] = g711.EncodeUlawFrame(s)
	}
	return len(src)
}

// AppendEncodeULaw appends the µ-law encoding of src to dst and returns the
// extended slice.
func AppendEncodeULaw(dst []byte, src []int16) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	EncodeULaw(dst[n:], src)
	return dst
}
