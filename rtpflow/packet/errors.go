package packet

import "errors"

// Sentinel errors. Decode wraps them with the layer and the numbers that
// explain ("ipv4: header length 60 exceeds packet length 40: packet
// truncated"); test for them with errors.Is.
var (
	// ErrTruncated: the frame is shorter than a header, or than a length
	// field says. Snaplen-limited captures produce these.
	ErrTruncated = errors.New("packet truncated")
	// ErrInvalid: a header field has an impossible value (wrong IP version,
	// IHL below 5, UDP length below 8, too many extension headers or VLAN
	// tags, a fragment that does not fit in a datagram).
	ErrInvalid = errors.New("invalid header")
	// ErrLinkType: the link type is not one this package decodes.
	ErrLinkType = errors.New("unsupported link type")
)
