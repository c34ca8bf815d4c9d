package packet

import (
	"encoding/binary"
	"fmt"
)

// MaxVLANTags is the deepest stack of 802.1Q/802.1ad tags a Decoder walks;
// a frame with more is invalid.
const MaxVLANTags = 8

// EtherTypes the link layer walks or hands on.
const (
	etherIPv4  = 0x0800
	etherIPv6  = 0x86dd
	etherVLAN  = 0x8100 // IEEE 802.1Q
	etherQinQ  = 0x88a8 // IEEE 802.1ad
	etherQinQ2 = 0x9100 // pre-standard QinQ
)

// network finds the IP header in a frame: it returns its offset and the IP
// version the link layer announces (4 or 6), or version 0 when the frame
// does not carry IP.
func network(lt LinkType, b []byte) (off, version int, err error) {
	switch lt {
	case LinkRaw:
		if len(b) == 0 {
			return 0, 0, fmt.Errorf("raw: empty packet: %w", ErrTruncated)
		}
		switch b[0] >> 4 {
		case 4:
			return 0, 4, nil
		case 6:
			return 0, 6, nil
		}
		return 0, 0, nil
	case LinkIPv4:
		return 0, 4, nil
	case LinkIPv6:
		return 0, 6, nil
	case LinkEthernet:
		if len(b) < 14 {
			return 0, 0, fmt.Errorf("ethernet: header needs 14 bytes, have %d: %w", len(b), ErrTruncated)
		}
		return etherType(b, 14, binary.BigEndian.Uint16(b[12:14]))
	case LinkLinuxSLL:
		if len(b) < 16 {
			return 0, 0, fmt.Errorf("linux_sll: header needs 16 bytes, have %d: %w", len(b), ErrTruncated)
		}
		return etherType(b, 16, binary.BigEndian.Uint16(b[14:16]))
	case LinkLinuxSLL2:
		if len(b) < 20 {
			return 0, 0, fmt.Errorf("linux_sll2: header needs 20 bytes, have %d: %w", len(b), ErrTruncated)
		}
		return etherType(b, 20, binary.BigEndian.Uint16(b[0:2]))
	case LinkNull, LinkLoop:
		if len(b) < 4 {
			return 0, 0, fmt.Errorf("%s: header needs 4 bytes, have %d: %w", lt, len(b), ErrTruncated)
		}
		v := family(binary.BigEndian.Uint32(b))
		if v == 0 && lt == LinkNull {
			v = family(binary.LittleEndian.Uint32(b))
		}
		return 4, v, nil
	}
	return 0, 0, fmt.Errorf("packet: link type %d: %w", uint32(lt), ErrLinkType)
}

// family maps a BSD address family to an IP version, or 0.
func family(af uint32) int {
	switch af {
	case 2:
		return 4
	case 10, 24, 28, 30:
		return 6
	}
	return 0
}

// etherType walks VLAN tags starting at off, whose type field is t, and
// returns the offset and IP version of what follows.
func etherType(b []byte, off int, t uint16) (int, int, error) {
	for tags := 0; t == etherVLAN || t == etherQinQ || t == etherQinQ2; tags++ {
		if tags == MaxVLANTags {
			return 0, 0, fmt.Errorf("vlan: more than %d tags: %w", MaxVLANTags, ErrInvalid)
		}
		if len(b) < off+4 {
			return 0, 0, fmt.Errorf("vlan: tag %d needs 4 bytes at offset %d, have %d: %w", tags+1, off, len(b)-off, ErrTruncated)
		}
		t = binary.BigEndian.Uint16(b[off+2 : off+4])
		off += 4
	}
	switch t {
	case etherIPv4:
		return off, 4, nil
	case etherIPv6:
		return off, 6, nil
	}
	return off, 0, nil
}
