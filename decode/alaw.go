package decode

import (
	"slices"

	"github.com/zaf/g711"
)

// alawToLinear maps each A-law code to its 16-bit linear value (the ITU-T
// G.711 13-bit value scaled by 8). Built once from github.com/zaf/g711;
// read-only afterwards.
var alawToLinear = buildTable(g711.DecodeAlawFrame)

// DecodeALaw decodes the G.711 A-law bytes in src into 16-bit linear PCM in
// dst and returns the number of samples written, always len(src). dst must
// have len(dst) >= len(src); DecodeALaw panics otherwise. Every byte value is
// a valid code, so decoding never fails. It does not allocate and dst does
// not alias src.
//
// A-law has no zero: its quietest codes, 0xD5 and 0x55, decode to +8 and -8.
func DecodeALaw(dst []int16, src []byte) int {
	checkLen("DecodeALaw", len(dst), len(src))
	dst = dst[:len(src)]
	t := alawToLinear
	for i, c := range src {
		dst[i] = t[c]
	}
	return len(src)
}

// AppendDecodeALaw appends the 16-bit linear PCM decoding of the A-law bytes
// in src to dst and returns the extended slice. It allocates only when dst
// lacks capacity for len(src) more samples.
func AppendDecodeALaw(dst []int16, src []byte) []int16 {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	DecodeALaw(dst[n:], src)
	return dst
}

// EncodeALaw encodes the 16-bit linear PCM samples in src as G.711 A-law
// bytes in dst and returns the number of bytes written, always len(src). dst
// must have len(dst) >= len(src); EncodeALaw panics otherwise. Samples are
// quantized as ITU-T G.711 specifies (the three least significant bits are
// dropped). It does not allocate.
func EncodeALaw(dst []byte, src []int16) int {
	checkLen("EncodeALaw", len(dst), len(src))
	dst = dst[:len(src)]
	for i, s := range src {
		dst[i] = g711.EncodeAlawFrame(s)
	}
	return len(src)
}

// AppendEncodeALaw appends the A-law encoding of src to dst and returns the
// extended slice.
func AppendEncodeALaw(dst []byte, src []int16) []byte {
	n := len(dst)
	dst = slices.Grow(dst, len(src))[:n+len(src)]
	EncodeALaw(dst[n:], src)
	return dst
}
