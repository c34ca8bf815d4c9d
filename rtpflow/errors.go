package rtpflow

import "errors"

// Sentinel errors. Returned errors wrap these with the numbers that explain.
var (
	// ErrNotRTP: the datagram is not an RTP version 2 packet.
	ErrNotRTP = errors.New("rtp: not an RTP version 2 packet")
	// ErrShortPacket: the datagram is shorter than its headers say.
	ErrShortPacket = errors.New("rtp: packet too short")
	// ErrBadPortRange: a port range in the configuration cannot be parsed.
	ErrBadPortRange = errors.New("rtpflow: bad port range")
)
