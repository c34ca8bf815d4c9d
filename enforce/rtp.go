package enforce

import (
	"encoding/binary"
	"errors"
)

// rtpHeader is what the fast path needs of an RTP header (RFC 3550 5.1).
type rtpHeader struct {
	pt        uint8
	ts, ssrc  uint32
	start     int // first payload byte: after the CSRCs and the extension
	end       int // end of the payload: before the padding
	hasHeader bool
}

// errRTP values say why an RTP header does not fit its datagram. They are
// unexported: the fast path reports them as ReasonMalformed, never as an
// error, so that judging a packet allocates nothing.
var (
	errRTPShort     = errors.New("rtp: shorter than the 12-byte fixed header")
	errRTPVersion   = errors.New("rtp: version is not 2")
	errRTPCSRC      = errors.New("rtp: csrc list overruns the datagram")
	errRTPExtension = errors.New("rtp: header extension overruns the datagram")
	errRTPPadding   = errors.New("rtp: padding count is 0 or overruns the payload")
)

// parseRTP reads the RTP header at the start of b. The fixed header is
// checked first (short, version) so that callers can tell "not RTP" from a
// header that overruns the datagram.
func parseRTP(b []byte) (rtpHeader, error) {
	var h rtpHeader
	if len(b) < 12 {
		return h, errRTPShort
	}
	if b[0]>>6 != 2 {
		return h, errRTPVersion
	}
	h.hasHeader = true
	h.pt = b[1] & 0x7f
	h.ts = binary.BigEndian.Uint32(b[4:8])
	h.ssrc = binary.BigEndian.Uint32(b[8:12])
	pos := 12 + 4*int(b[0]&0x0f)
	if pos > len(b) {
		return h, errRTPCSRC
	}
	if b[0]&0x10 != 0 {
		if pos+4 > len(b) {
			return h, errRTPExtension
		}
		pos += 4 + 4*int(binary.BigEndian.Uint16(b[pos+2:pos+4]))
		if pos > len(b) {
			return h, errRTPExtension
		}
	}
	end := len(b)
	if b[0]&0x20 != 0 {
		// The last octet counts the padding, itself included (RFC 3550
		// 5.1), so 0 is impossible.
		n := int(b[len(b)-1])
		if n == 0 || end-n < pos {
			return h, errRTPPadding
		}
		end -= n
	}
	h.start, h.end = pos, end
	return h, nil
}
