package decode

import "strconv"

// Codec names an audio payload format this package can decode. The zero
// value is Unknown.
type Codec uint8

// Codecs. The names are those of the RTP/AVP profile (RFC 3551).
const (
	Unknown Codec = iota // a payload format this package does not decode
	PCMU                 // G.711 µ-law, static RTP payload type 0
	PCMA                 // G.711 A-law, static RTP payload type 8
)

// CodecForPayloadType maps a static RTP payload type (RFC 3551 table 4) to a
// Codec: 0 is PCMU, 8 is PCMA, anything else (including dynamic types 96-127,
// whose meaning only signalling knows) is Unknown.
func CodecForPayloadType(pt uint8) Codec {
	switch pt {
	case 0:
		return PCMU
	case 8:
		return PCMA
	}
	return Unknown
}

// String returns "PCMU", "PCMA" or "unknown", or "Codec(n)" for a value that
// is none of the constants.
func (c Codec) String() string {
	switch c {
	case Unknown:
		return "unknown"
	case PCMU:
		return "PCMU"
	case PCMA:
		return "PCMA"
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// PayloadType returns the static RTP payload type of c (0 for PCMU, 8 for
// PCMA) and false for any other codec.
func (c Codec) PayloadType() (uint8, bool) {
	switch c {
	case PCMU:
		return 0, true
	case PCMA:
		return 8, true
	}
	return 0, false
}

// Silence returns the byte that encodes silence in c: 0xFF for PCMU (decodes
// to 0) and 0xD5 for PCMA (decodes to +8, A-law's quietest code), the values
// rtpengine writes when it mutes media. It returns 0 for any other codec,
// where no byte is known to be silent.
func (c Codec) Silence() byte {
	switch c {
	case PCMU:
		return 0xFF
	case PCMA:
		return 0xD5
	}
	return 0
}

// Decode decodes src, a payload in codec c, into dst as 16-bit PCM and
// returns the number of samples written: len(src) for PCMU and PCMA (dst
// must then have len(dst) >= len(src), as for [DecodeULaw]), and 0 for any
// other codec, which this package cannot decode.
func (c Codec) Decode(dst []int16, src []byte) int {
	switch c {
	case PCMU:
		return DecodeULaw(dst, src)
	case PCMA:
		return DecodeALaw(dst, src)
	}
	return 0
}

// AppendDecode appends the 16-bit PCM decoding of src, a payload in codec c,
// to dst. For a codec other than PCMU and PCMA it returns dst unchanged.
func (c Codec) AppendDecode(dst []int16, src []byte) []int16 {
	switch c {
	case PCMU:
		return AppendDecodeULaw(dst, src)
	case PCMA:
		return AppendDecodeALaw(dst, src)
	}
	return dst
}

// Encode encodes the 16-bit PCM samples in src as codec c into dst and
// returns the number of bytes written: len(src) for PCMU and PCMA (dst must
// then have len(dst) >= len(src)), and 0 for any other codec.
func (c Codec) Encode(dst []byte, src []int16) int {
	switch c {
	case PCMU:
		return EncodeULaw(dst, src)
	case PCMA:
		return EncodeALaw(dst, src)
	}
	return 0
}

// AppendEncode appends the encoding of src in codec c to dst. For a codec
// other than PCMU and PCMA it returns dst unchanged.
func (c Codec) AppendEncode(dst []byte, src []int16) []byte {
	switch c {
	case PCMU:
		return AppendEncodeULaw(dst, src)
	case PCMA:
		return AppendEncodeALaw(dst, src)
	}
	return dst
}
