package nfqwire

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Netlink and NFQUEUE numbers (linux/netlink.h, linux/netfilter/nfnetlink.h,
// linux/netfilter/nfnetlink_queue.h).
const (
	nlmsgHdrLen = 16 // struct nlmsghdr
	nfgenLen    = 4  // struct nfgenmsg
	nlaHdrLen   = 4  // struct nlattr
	headerLen   = nlmsgHdrLen + nfgenLen

	nlmsgNoop  = 1
	nlmsgError = 2
	nlmsgDone  = 3

	nlmFRequest = 0x1

	nfnlSubsysQueue   = 3
	msgPacket         = nfnlSubsysQueue<<8 | 0 // NFQNL_MSG_PACKET
	msgVerdict        = nfnlSubsysQueue<<8 | 1 // NFQNL_MSG_VERDICT
	msgVerdictBatch   = nfnlSubsysQueue<<8 | 3 // NFQNL_MSG_VERDICT_BATCH
	nlaTypeMask       = 0x3fff                 // NLA_TYPE_MASK: without the nested and byte-order flags
	attrPacketHdr     = 1                      // NFQA_PACKET_HDR
	attrVerdictHdr    = 2                      // NFQA_VERDICT_HDR
	attrMark          = 3                      // NFQA_MARK
	attrTimestamp     = 4                      // NFQA_TIMESTAMP
	attrPayload       = 10                     // NFQA_PAYLOAD
	attrCapLen        = 13                     // NFQA_CAP_LEN
	packetHdrLen      = 7                      // struct nfqnl_msg_packet_hdr, unpadded
	packetTimestampSz = 16                     // struct nfqnl_msg_packet_timestamp
)

// Kind is what a netlink message is to a queue reader.
type Kind uint8

const (
	// KindOther is a message a reader has nothing to do with: NLMSG_NOOP,
	// NLMSG_DONE, another subsystem's or another NFQUEUE message type.
	KindOther Kind = iota
	// KindPacket is a queued packet (NFQNL_MSG_PACKET) that waits for a
	// verdict.
	KindPacket
	// KindError is NLMSG_ERROR: the kernel's answer to a request of ours,
	// an acknowledgement when Errno is 0.
	KindError
)

func (k Kind) String() string {
	switch k {
	case KindPacket:
		return "packet"
	case KindError:
		return "error"
	}
	return "other"
}

// Message is one netlink message read from a queue socket.
type Message struct {
	Kind Kind
	// Type is the netlink message type (nlmsg_type).
	Type uint16
	// Seq is the message's sequence number. For KindError it is the
	// sequence number of the request the kernel answers: Batch writes the
	// packet id there, so a refused verdict names its packet.
	Seq uint32
	// Errno is, for KindError, the error the kernel returned for the
	// request (a positive errno; 0 acknowledges it).
	Errno int32
	// Packet is the queued packet of a KindPacket message.
	Packet Packet
}

// Packet is one queued packet as NFQUEUE describes it.
type Packet struct {
	// Queue is the queue number the message came from.
	Queue uint16
	// ID is the packet id a verdict names (NFQA_PACKET_HDR).
	ID uint32
	// HWProtocol is the link-layer protocol, an EtherType (0x0800 IPv4,
	// 0x86dd IPv6).
	HWProtocol uint16
	// Hook is the netfilter hook the packet was queued at.
	Hook uint8
	// Payload is the packet from its network header on (NFQA_PAYLOAD):
	// it aliases the buffer given to Unmarshal and is valid while that is.
	Payload []byte
	// CapLen is the packet's length when Payload is cut short by the
	// queue's copy range (NFQA_CAP_LEN), else 0.
	CapLen uint32
	// Mark is the packet's nfmark (NFQA_MARK), 0 when it has none.
	Mark uint32
	// Sec and Usec are the kernel's receive timestamp (NFQA_TIMESTAMP);
	// HasTime tells that there was one. The kernel stamps packets on
	// INPUT only while some socket asks for timestamps.
	Sec, Usec int64
	HasTime   bool
}

// Time is the packet's kernel timestamp, and whether it has one.
func (p *Packet) Time() (time.Time, bool) {
	if !p.HasTime {
		return time.Time{}, false
	}
	return time.Unix(p.Sec, p.Usec*1000), true
}

// Unmarshal decodes the first netlink message of b into m, which it resets,
// and returns how many bytes of b the message took, with its padding: the
// next message starts there. m.Packet.Payload aliases b.
//
// A message whose header is cut short or claims more bytes than b has is
// an ErrShort error, and n is len(b): nothing after it can be trusted. A
// packet message without a packet header is ErrNoPacketHeader, with n past
// it. A packet message whose attributes go wrong after its packet header
// is an ErrShort error with m.Kind KindPacket and m.Packet.ID set: the
// packet waits in the kernel and must still be answered, unjudged.
// Attributes an NFQUEUE reader does not need are skipped.
func (m *Message) Unmarshal(b []byte) (n int, err error) {
	*m = Message{}
	if len(b) < nlmsgHdrLen {
		return len(b), fmt.Errorf("%w: netlink header needs %d bytes, have %d", ErrShort, nlmsgHdrLen, len(b))
	}
	size := int(binary.NativeEndian.Uint32(b[0:4]))
	if size < nlmsgHdrLen || size > len(b) {
		return len(b), fmt.Errorf("%w: netlink message of %d bytes, have %d", ErrShort, size, len(b))
	}
	n = min(align4(size), len(b))
	m.Type = binary.NativeEndian.Uint16(b[4:6])
	m.Seq = binary.NativeEndian.Uint32(b[8:12])
	body := b[nlmsgHdrLen:size]
	switch m.Type {
	case nlmsgError:
		// struct nlmsgerr: int error, then the request's header
		if len(body) < 4+nlmsgHdrLen {
			return n, fmt.Errorf("%w: netlink error of %d bytes, needs %d", ErrShort, len(body), 4+nlmsgHdrLen)
		}
		m.Kind = KindError
		m.Errno = -int32(binary.NativeEndian.Uint32(body[0:4]))
		m.Seq = binary.NativeEndian.Uint32(body[4+8 : 4+12])
		return n, nil
	case msgPacket:
	default:
		return n, nil
	}
	if len(body) < nfgenLen {
		return n, fmt.Errorf("%w: packet message of %d bytes, needs %d", ErrShort, len(body), nfgenLen)
	}
	p := &m.Packet
	p.Queue = binary.BigEndian.Uint16(body[2:4])
	haveHdr := false
	for a := body[nfgenLen:]; len(a) >= nlaHdrLen; {
		alen := int(binary.NativeEndian.Uint16(a[0:2]))
		if alen < nlaHdrLen || alen > len(a) {
			if haveHdr {
				m.Kind = KindPacket // its id is known: it can still be answered
			}
			return n, fmt.Errorf("%w: attribute of %d bytes, have %d", ErrShort, alen, len(a))
		}
		v := a[nlaHdrLen:alen]
		switch binary.NativeEndian.Uint16(a[2:4]) & nlaTypeMask {
		case attrPacketHdr:
			if len(v) >= packetHdrLen {
				p.ID = binary.BigEndian.Uint32(v[0:4])
				p.HWProtocol = binary.BigEndian.Uint16(v[4:6])
				p.Hook = v[6]
				haveHdr = true
			}
		case attrPayload:
			p.Payload = v
		case attrCapLen:
			if len(v) >= 4 {
				p.CapLen = binary.BigEndian.Uint32(v)
			}
		case attrMark:
			if len(v) >= 4 {
				p.Mark = binary.BigEndian.Uint32(v)
			}
		case attrTimestamp:
			if len(v) >= packetTimestampSz {
				p.Sec = int64(binary.BigEndian.Uint64(v[0:8]))
				p.Usec = int64(binary.BigEndian.Uint64(v[8:16]))
				p.HasTime = true
			}
		}
		a = a[min(align4(alen), len(a)):]
	}
	if !haveHdr {
		return n, ErrNoPacketHeader
	}
	m.Kind = KindPacket
	return n, nil
}

func align4(n int) int { return (n + 3) &^ 3 }
