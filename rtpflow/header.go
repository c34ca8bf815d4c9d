package rtpflow

import "encoding/binary"

// header is what the table uses of an RTP packet's fixed header.
type header struct {
	seq    uint16
	ts     uint32
	ssrc   uint32
	pt     uint8
	marker bool
}

// RTP header extension profiles (RFC 8285) whose elements pion/rtp walks.
const (
	profileOneByte = 0xbede
	profileTwoByte = 0x1000
)

// parseRTP reads the RTP packet in b into h and returns its payload, with
// padding removed, aliasing b. It accepts exactly what pion/rtp's
// Packet.Unmarshal accepts, the version unchecked (the table checks it
// first), but builds neither CSRC nor extension lists: the table uses
// neither, and the lists cost more than the rest of the parse.
func parseRTP(b []byte, h *header) (payload []byte, ok bool) {
	if len(b) < 12 {
		return nil, false
	}
	n := 12 + 4*int(b[0]&0x0f) // CSRCs follow the fixed header
	if len(b) < n {
		return nil, false
	}
	h.marker, h.pt = b[1]&0x80 != 0, b[1]&0x7f
	h.seq = binary.BigEndian.Uint16(b[2:4])
	h.ts = binary.BigEndian.Uint32(b[4:8])
	h.ssrc = binary.BigEndian.Uint32(b[8:12])
	if b[0]&0x10 != 0 {
		if len(b) < n+4 {
			return nil, false
		}
		profile := binary.BigEndian.Uint16(b[n:])
		end := n + 4 + 4*int(binary.BigEndian.Uint16(b[n+2:]))
		if len(b) < end {
			return nil, false
		}
		if (profile == profileOneByte || profile == profileTwoByte) && !extensionsValid(b[n+4:end], profile == profileOneByte) {
			return nil, false
		}
		n = end
	}
	end := len(b)
	if b[0]&0x20 != 0 {
		if end <= n {
			return nil, false
		}
		end -= int(b[end-1])
	}
	if end < n {
		return nil, false
	}
	return b[n:end:end], true
}

// extensionsValid walks RFC 8285 extension elements as pion/rtp does and
// reports whether it would accept them: padding bytes are skipped, a
// one-byte element with ID 15 (or 0 with a length) ends the walk, and an
// element running past the extension block is refused.
func extensionsValid(e []byte, oneByte bool) bool {
	for i := 0; i < len(e); {
		if e[i] == 0 {
			i++
			continue
		}
		var size int
		if oneByte {
			id := e[i] >> 4
			size = int(e[i]&0x0f) + 1
			i++
			if id == 0x0f || id == 0 {
				return true
			}
		} else {
			i++
			if i >= len(e) {
				return false
			}
			size = int(e[i])
			i++
		}
		if i+size > len(e) {
			return false
		}
		i += size
	}
	return true
}
