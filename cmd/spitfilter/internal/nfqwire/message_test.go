package nfqwire

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/mdlayher/netlink"
)

// packetMessage builds a NFQNL_MSG_PACKET the way the kernel does, with
// mdlayher/netlink's encoder (the one go-nfqueue reads with).
func packetMessage(t testing.TB, queue uint16, id uint32, payload []byte, extra func(*netlink.AttributeEncoder)) []byte {
	t.Helper()
	ae := netlink.NewAttributeEncoder()
	hdr := make([]byte, 7)
	binary.BigEndian.PutUint32(hdr[0:4], id)
	binary.BigEndian.PutUint16(hdr[4:6], 0x0800)
	hdr[6] = 1 // NF_INET_LOCAL_IN
	ae.Bytes(attrPacketHdr, hdr)
	if extra != nil {
		extra(ae)
	}
	if payload != nil {
		ae.Bytes(attrPayload, payload)
	}
	attrs, err := ae.Encode()
	if err != nil {
		t.Fatal(err)
	}
	data := append([]byte{2, 0, byte(queue >> 8), byte(queue)}, attrs...)
	b, err := marshal(t, netlink.Message{Header: netlink.Header{Type: msgPacket, Sequence: 0}, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUnmarshalPacket(t *testing.T) {
	payload := []byte{0x45, 0, 0, 21, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
	ts := make([]byte, 16)
	binary.BigEndian.PutUint64(ts[0:8], 1_700_000_000)
	binary.BigEndian.PutUint64(ts[8:16], 250_000)
	b := packetMessage(t, 7, 0xdeadbeef, payload, func(ae *netlink.AttributeEncoder) {
		ae.Uint32(attrMark, binary.NativeEndian.Uint32([]byte{0, 0, 0, 42})) // network order on the wire
		ae.Bytes(attrTimestamp, ts)
		ae.Bytes(99, []byte{1, 2, 3}) // unknown: skipped
	})
	two := append(append([]byte{}, b...), b...)
	var m Message
	n, err := m.Unmarshal(two)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(b) {
		t.Errorf("consumed %d bytes, want %d", n, len(b))
	}
	p := m.Packet
	if m.Kind != KindPacket || p.Queue != 7 || p.ID != 0xdeadbeef || p.HWProtocol != 0x0800 || p.Hook != 1 || p.Mark != 42 {
		t.Errorf("got %v %+v", m.Kind, p)
	}
	if string(p.Payload) != string(payload) {
		t.Errorf("payload %x, want %x", p.Payload, payload)
	}
	if at, ok := p.Time(); !ok || !at.Equal(time.Unix(1_700_000_000, 250_000_000)) {
		t.Errorf("time %v %v", at, ok)
	}
	if _, err := m.Unmarshal(two[n:]); err != nil || m.Packet.ID != 0xdeadbeef {
		t.Errorf("second message: %v %+v", err, m.Packet)
	}
}

func TestUnmarshalError(t *testing.T) {
	// the kernel's answer to a verdict for an unknown id: -ENOENT and the request's header
	req := AppendVerdict(nil, 3, 1234, Verdict{Verdict: Accept})
	body := make([]byte, 4)
	binary.NativeEndian.PutUint32(body, ^uint32(0)-1) // -ENOENT
	body = append(body, req[:16]...)
	b, err := marshal(t, netlink.Message{Header: netlink.Header{Type: netlink.Error}, Data: body})
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	if _, err := m.Unmarshal(b); err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindError || m.Errno != 2 || m.Seq != 1234 {
		t.Errorf("got %+v, want error 2 for seq 1234", m)
	}
}

func TestUnmarshalBad(t *testing.T) {
	good := packetMessage(t, 0, 1, []byte{1, 2, 3, 4}, nil)
	noHdr, err := marshal(t, netlink.Message{Header: netlink.Header{Type: msgPacket}, Data: []byte{2, 0, 0, 0, 8, 0, attrPayload, 0, 1, 2, 3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	badAttr := append([]byte{}, good...)
	binary.NativeEndian.PutUint16(badAttr[20:22], 200) // the first attribute claims more than there is
	badAfter := append([]byte{}, good...)
	binary.NativeEndian.PutUint16(badAfter[32:34], 200) // the payload, after the packet header, too
	for _, tc := range []struct {
		name  string
		b     []byte
		want  error
		wantN int
	}{
		{"empty", nil, ErrShort, 0},
		{"header cut", good[:10], ErrShort, 10},
		{"message cut", good[:len(good)-4], ErrShort, len(good) - 4},
		{"no packet header", noHdr, ErrNoPacketHeader, len(noHdr)},
		{"attribute too long", badAttr, ErrShort, len(badAttr)},
		{"attribute after the header too long", badAfter, ErrShort, len(badAfter)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Message
			n, err := m.Unmarshal(tc.b)
			if !errors.Is(err, tc.want) {
				t.Errorf("err %v, want %v", err, tc.want)
			}
			if n != tc.wantN {
				t.Errorf("n = %d, want %d", n, tc.wantN)
			}
			if wantPacket := tc.name == "attribute after the header too long"; (m.Kind == KindPacket) != wantPacket {
				t.Errorf("kind %v, want a packet to answer: %v", m.Kind, wantPacket)
			}
		})
	}
}

func FuzzUnmarshal(f *testing.F) {
	f.Add(packetMessage(f, 1, 2, []byte{0x45, 0, 0, 20}, nil))
	f.Add(AppendVerdict(nil, 1, 2, Verdict{Verdict: Accept, Payload: []byte{1, 2, 3}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Message
		for len(b) > 0 {
			n, err := m.Unmarshal(b)
			if n <= 0 || n > len(b) {
				t.Fatalf("consumed %d of %d bytes (err %v)", n, len(b), err)
			}
			if err == nil && m.Kind == KindPacket && len(m.Packet.Payload) > len(b) {
				t.Fatalf("payload longer than the input")
			}
			b = b[n:]
		}
	})
}

// marshal is netlink.Message.MarshalBinary with the length set as a
// netlink.Conn sets it before sending.
func marshal(t testing.TB, m netlink.Message) ([]byte, error) {
	t.Helper()
	m.Header.Length = uint32(align4(nlmsgHdrLen + len(m.Data)))
	return m.MarshalBinary()
}
