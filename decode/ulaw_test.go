package decode

// ituULawExpand decodes one µ-law code as ITU-T G.191 (Software Tool
// Library, module g711, ulaw_expand) does, on the 16-bit scale: the
// reference this package's µ-law decoder is checked against.
func ituULawExpand(code byte) int16 {
	sign := 1
	if code < 0x80 {
		sign = -1
	}
	m := int(^code)
	exponent := (m >> 4) & 0x07
	segment := exponent + 1
	mantissa := m & 0x0F
	step := 4 << segment
	return int16(sign * ((0x80 << exponent) + step*mantissa + step/2 - 4*33))
}

// ituULawCompress encodes one 16-bit sample as ITU-T G.191 ulaw_compress
// does: one's complement magnitude of the 14-bit sample, bias 33, clip at
// 0x1FFF, segment by the position of the top bit.
func ituULawCompress(s int16) byte {
	var absno int
	if s < 0 {
		absno = int(^s>>2) + 33
	} else {
		absno = int(s>>2) + 33
	}
	absno = min(absno, 0x1FFF)
	segno := 1
	for i := absno >> 6; i != 0; i >>= 1 {
		segno++
	}
	high := 0x08 - segno
	low := 0x0F - (absno>>segno)&0x0F
	code := high<<4 | low
	if s >= 0 {
		code |= 0x80
	}
	return byte(code)
}
