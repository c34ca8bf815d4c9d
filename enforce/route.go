package enforce

import "github.com/spitfilter/spitfilter/rtpflow/packet"

// sourceRouted reports whether the packet carries a source route that is not
// yet finished: an IPv4 loose or strict source route option (RFC 791), or an
// IPv6 routing header with segments left (RFC 8200 4.4). The UDP checksum
// of such a packet is computed over its final destination, not the address
// in the IP header, so it cannot be recomputed from u's addresses. It looks
// only at packets with IPv4 options or IPv6 extension headers, which RTP
// rarely carries.
func sourceRouted(pkt []byte, u *packet.UDP) bool {
	n, t := u.NetworkOffset, u.TransportOffset
	if n < 0 || t > len(pkt) || t <= n {
		return false
	}
	if !u.IPv6 {
		opts := pkt[n+20 : t]
		for i := 0; i < len(opts); {
			switch opts[i] {
			case 0: // end of options
				return false
			case 1: // no operation
				i++
				continue
			case 0x83, 0x89: // loose, strict source and record route
				return true
			}
			if i+1 >= len(opts) || opts[i+1] < 2 {
				return false
			}
			i += int(opts[i+1])
		}
		return false
	}
	if t-n == 40 {
		return false
	}
	nh, pos := pkt[n+6], n+40
	for pos+8 <= t {
		switch nh {
		case 43: // routing: next header, length, type, segments left
			if pkt[pos+3] != 0 {
				return true
			}
		case 0, 60, 44, 51:
		default:
			return false
		}
		size := (int(pkt[pos+1]) + 1) * 8
		switch nh {
		case 44:
			size = 8
		case 51:
			size = (int(pkt[pos+1]) + 2) * 4
		}
		nh, pos = pkt[pos], pos+size
	}
	return false
}
