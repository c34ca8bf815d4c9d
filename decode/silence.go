package decode

import "slices"

// AppendSilence appends n samples of digital silence (zeros) to dst and
// returns the extended slice. Callers use it to stand in for audio lost on
// the wire, so that the PCM timeline stays aligned with RTP timestamps: a
// lost 20 ms G.711 frame at 8 kHz is AppendSilence(dst, 160). A negative or
// zero n appends nothing. It allocates only when dst lacks capacity.
func AppendSilence(dst []int16, n int) []int16 {
	if n <= 0 {
		return dst
	}
	m := len(dst)
	dst = slices.Grow(dst, n)[:m+n]
	clear(dst[m:])
	return dst
}
