package capgen

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"strings"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link is the capture's link-layer encapsulation.
type Link int

// Link types. The zero value is Ethernet.
const (
	Ethernet     Link = iota // DLT_EN10MB, Ethernet II
	EthernetVLAN             // DLT_EN10MB with one 802.1Q tag (Options.VLAN)
	EthernetQinQ             // DLT_EN10MB with an 802.1ad (0x88a8) tag then an 802.1Q tag
	LinuxSLL                 // DLT_LINUX_SLL, Linux cooked capture v1
	LinuxSLL2                // DLT_LINUX_SLL2, Linux cooked capture v2
	RawIP                    // DLT_RAW (101), IPv4 or IPv6 without a link header
	Null                     // DLT_NULL, BSD loopback (host-order address family)
)

// linkNames are the names ParseLink accepts, indexed by Link.
var linkNames = [...]string{"ethernet", "vlan", "qinq", "sll", "sll2", "raw", "null"}

// AllLinks returns every Link, in declaration order.
func AllLinks() []Link {
	l := make([]Link, len(linkNames))
	for i := range l {
		l[i] = Link(i)
	}
	return l
}

// String returns the link's name as ParseLink accepts it.
func (l Link) String() string {
	if l >= 0 && int(l) < len(linkNames) {
		return linkNames[l]
	}
	return fmt.Sprintf("Link(%d)", int(l))
}

// ParseLink parses a link name: one of ethernet, vlan, qinq, sll, sll2, raw, null.
func ParseLink(s string) (Link, error) {
	for i, n := range linkNames {
		if strings.EqualFold(s, n) {
			return Link(i), nil
		}
	}
	return 0, fmt.Errorf("%w: link %q is not one of %s", ErrOptions, s, strings.Join(linkNames[:], ", "))
}

// LinkType returns the pcap link type written in the file header.
func (l Link) LinkType() layers.LinkType {
	switch l {
	case LinuxSLL:
		return layers.LinkTypeLinuxSLL
	case LinuxSLL2:
		return layers.LinkTypeLinuxSLL2
	case RawIP:
		return layers.LinkTypeRaw
	case Null:
		return layers.LinkTypeNull
	}
	return layers.LinkTypeEthernet
}

// Default VLAN identifiers.
const (
	DefaultVLAN      = 100 // 802.1Q tag of EthernetVLAN, inner tag of EthernetQinQ
	DefaultOuterVLAN = 200 // 802.1ad service tag of EthernetQinQ
)

// mac derives a stable, locally administered MAC address from an IP address.
func mac(a netip.Addr) net.HardwareAddr {
	h := fnv.New32a()
	b := a.As16()
	h.Write(b[:])
	m := net.HardwareAddr{0x02, 0x00, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(m[2:], h.Sum32())
	return m
}

// linkLayers returns the layers that precede the IP header.
func (o *Options) linkLayers(src, dst netip.Addr) []gopacket.SerializableLayer {
	v6 := !src.Unmap().Is4()
	ipType := layers.EthernetTypeIPv4
	if v6 {
		ipType = layers.EthernetTypeIPv6
	}
	vlan, outer := o.VLAN, o.OuterVLAN
	if vlan == 0 {
		vlan = DefaultVLAN
	}
	if outer == 0 {
		outer = DefaultOuterVLAN
	}
	eth := &layers.Ethernet{SrcMAC: mac(src), DstMAC: mac(dst), EthernetType: ipType}
	switch o.Link {
	case EthernetVLAN:
		eth.EthernetType = layers.EthernetTypeDot1Q
		return []gopacket.SerializableLayer{eth, &layers.Dot1Q{VLANIdentifier: vlan, Type: ipType}}
	case EthernetQinQ:
		eth.EthernetType = layers.EthernetTypeQinQ
		return []gopacket.SerializableLayer{eth,
			&layers.Dot1Q{VLANIdentifier: outer, Type: layers.EthernetTypeDot1Q},
			&layers.Dot1Q{VLANIdentifier: vlan, Type: ipType}}
	case LinuxSLL, LinuxSLL2:
		return []gopacket.SerializableLayer{&cooked{v2: o.Link == LinuxSLL2, proto: ipType, addr: mac(src)}}
	case RawIP:
		return nil
	case Null:
		fam := layers.ProtocolFamilyIPv4
		if v6 {
			fam = layers.ProtocolFamilyIPv6BSD
		}
		return []gopacket.SerializableLayer{&layers.Loopback{Family: fam}}
	}
	return []gopacket.SerializableLayer{eth}
}

// cooked serializes a Linux "cooked" header, v1 (16 bytes) or v2 (20
// bytes), which gopacket decodes but cannot write. The packet is recorded
// as received by this host (packet type 0) on Ethernet interface 2.
type cooked struct {
	v2    bool
	proto layers.EthernetType
	addr  net.HardwareAddr
}

func (c *cooked) LayerType() gopacket.LayerType {
	if c.v2 {
		return layers.LayerTypeLinuxSLL2
	}
	return layers.LayerTypeLinuxSLL
}

func (c *cooked) SerializeTo(b gopacket.SerializeBuffer, _ gopacket.SerializeOptions) error {
	if c.v2 {
		h, err := b.PrependBytes(20)
		if err != nil {
			return err
		}
		clear(h)
		binary.BigEndian.PutUint16(h[0:], uint16(c.proto))
		binary.BigEndian.PutUint32(h[4:], 2) // interface index
		binary.BigEndian.PutUint16(h[8:], uint16(layers.ARPHardwareTypeEthernet))
		h[10] = byte(layers.LinuxSLL2PacketTypeHost)
		h[11] = byte(len(c.addr))
		copy(h[12:20], c.addr)
		return nil
	}
	h, err := b.PrependBytes(16)
	if err != nil {
		return err
	}
	clear(h)
	binary.BigEndian.PutUint16(h[0:], uint16(layers.LinuxSLLPacketTypeHost))
	binary.BigEndian.PutUint16(h[2:], uint16(layers.ARPHardwareTypeEthernet))
	binary.BigEndian.PutUint16(h[4:], uint16(len(c.addr)))
	copy(h[6:14], c.addr)
	binary.BigEndian.PutUint16(h[14:], uint16(c.proto))
	return nil
}
