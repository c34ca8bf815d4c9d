package capgen

import (
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Header sizes used when fragmenting.
const (
	ipv4Header     = 20
	ipv6Header     = 40
	ipv6FragHeader = 8
)

// framer turns UDP datagrams into link-layer frames. It numbers IPv4
// datagrams and IPv6 fragments per source address, in capture order.
type framer struct {
	opt *Options
	ids map[netip.Addr]uint32
}

func newFramer(opt *Options) *framer {
	return &framer{opt: opt, ids: make(map[netip.Addr]uint32)}
}

// frames returns the frames carrying one UDP datagram: one frame, or one
// per IP fragment when the datagram exceeds Options.FragmentMTU. The UDP
// checksum is always computed (mandatory on IPv6, RFC 8200 8.1).
func (f *framer) frames(src, dst netip.AddrPort, payload []byte) ([][]byte, error) {
	serializeOpts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	v6 := !sa.Is4()
	id := f.ids[sa] + 1
	f.ids[sa] = id

	var net gopacket.NetworkLayer
	var ip4 *layers.IPv4
	var ip6 *layers.IPv6
	if v6 {
		ip6 = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: sa.AsSlice(), DstIP: da.AsSlice()}
		net = ip6
	} else {
		ip4 = &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: uint16(id), Protocol: layers.IPProtocolUDP, SrcIP: sa.AsSlice(), DstIP: da.AsSlice()}
		net = ip4
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	if err := udp.SetNetworkLayerForChecksum(net); err != nil {
		return nil, err
	}
	link := f.opt.linkLayers(sa, da)
	ipHeader := ipv4Header
	if v6 {
		ipHeader = ipv6Header
	}
	mtu := f.opt.FragmentMTU
	if mtu <= 0 || ipHeader+8+len(payload) <= mtu {
		b := gopacket.NewSerializeBuffer()
		ls := append(link, net.(gopacket.SerializableLayer), udp, gopacket.Payload(payload))
		if err := gopacket.SerializeLayers(b, serializeOpts, ls...); err != nil {
			return nil, fmt.Errorf("capgen: serialize %v -> %v: %w", src, dst, err)
		}
		return [][]byte{b.Bytes()}, nil
	}

	// Serialize the whole UDP datagram once (its checksum covers all of
	// it), then cut it into fragments of a multiple of 8 bytes.
	ub := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(ub, serializeOpts, udp, gopacket.Payload(payload)); err != nil {
		return nil, fmt.Errorf("capgen: serialize udp %v -> %v: %w", src, dst, err)
	}
	whole := ub.Bytes()
	chunk := (mtu - ipHeader) &^ 7
	if v6 {
		chunk = (mtu - ipHeader - ipv6FragHeader) &^ 7
	}
	if chunk < 8 {
		return nil, fmt.Errorf("%w: fragment mtu %d leaves %d payload bytes per fragment, need at least 8", ErrOptions, mtu, chunk)
	}
	var out [][]byte
	for off := 0; off < len(whole); off += chunk {
		end := min(off+chunk, len(whole))
		more := end < len(whole)
		ls := append([]gopacket.SerializableLayer(nil), link...)
		if v6 {
			h := *ip6
			h.NextHeader = layers.IPProtocolIPv6Fragment
			ls = append(ls, &h, &layers.IPv6Fragment{NextHeader: layers.IPProtocolUDP, FragmentOffset: uint16(off / 8), MoreFragments: more, Identification: id})
		} else {
			h := *ip4
			h.FragOffset = uint16(off / 8)
			if more {
				h.Flags = layers.IPv4MoreFragments
			}
			ls = append(ls, &h)
		}
		ls = append(ls, gopacket.Payload(whole[off:end]))
		b := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(b, serializeOpts, ls...); err != nil {
			return nil, fmt.Errorf("capgen: serialize fragment %v -> %v at %d: %w", src, dst, off, err)
		}
		out = append(out, b.Bytes())
	}
	return out, nil
}
