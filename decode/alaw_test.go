package decode

// ituALawExpand decodes one A-law code as ITU-T G.191 (Software Tool
// Library, module g711, alaw_expand) does, on the 16-bit scale: the
// reference this package's A-law decoder is checked against.
func ituALawExpand(code byte) int16 {
	ix := int(code^0x55) & 0x7F
	exponent := ix >> 4
	mant := ix & 0x0F
	if exponent > 0 {
		mant += 16
	}
	mant = mant<<4 + 0x08
	if exponent > 1 {
		mant <<= exponent - 1
	}
	if code > 127 {
		return int16(mant)
	}
	return int16(-mant)
}

// ituALawCompress encodes one 16-bit sample as ITU-T G.191 alaw_compress
// does: one's complement magnitude of the 12-bit sample, segment by
// shifting, even bits inverted.
func ituALawCompress(s int16) byte {
	var ix int
	if s < 0 {
		ix = int(^s >> 4)
	} else {
		ix = int(s >> 4)
	}
	if ix > 15 {
		exponent := 1
		for ix > 16+15 {
			ix >>= 1
			exponent++
		}
		ix -= 16
		ix += exponent << 4
	}
	if s >= 0 {
		ix |= 0x80
	}
	return byte(ix ^ 0x55)
}
