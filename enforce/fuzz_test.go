package enforce

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"

	"github.com/spitfilter/spitfilter/rtpflow"
	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// FuzzApply feeds any bytes as a raw IP packet through the decoder and
// Apply, under the action the second argument picks (low bits: none, log,
// mute, bleep, drop, mark; bit 7: judge against a state of another stream).
// Apply must never panic nor change the length; only mute and bleep may
// change bytes, and only the RTP payload and the UDP checksum, which must
// then be valid (or stay 0 over IPv4 when the sender sent 0). Where the RTP
// header walk succeeds, pion/rtp must find the same payload.
func FuzzApply(f *testing.F) {
	for _, s := range [][]byte{
		ipPacket(f, flow4, rtpSpec{pt: 0, ts: 3, ssrc: 1, payload: audio(160)}.marshal(f), false),
		ipPacket(f, flow6, rtpSpec{pt: 8, ts: 5, ssrc: 2, payload: audio(21)}.marshal(f), false),
	} {
		f.Add(s, byte(ActionMute))
		f.Add(s, byte(ActionBleep))
	}
	f.Fuzz(func(t *testing.T, data []byte, sel byte) {
		var dec packet.Decoder
		var u packet.UDP
		if k, _ := dec.Decode(packet.LinkRaw, data, t0, &u); k != packet.KindUDP {
			return
		}
		before := append([]byte(nil), data...)
		sum0 := binary.BigEndian.Uint16(data[u.TransportOffset+6:])
		var ssrc uint32
		if len(u.Payload) >= 12 {
			ssrc = binary.BigEndian.Uint32(u.Payload[8:12])
		}
		k := rtpKey(&u, ssrc)
		if sel&0x80 != 0 {
			k.SSRC++
		}
		st := NewState(k)
		if act := Action(sel&0x7f) % (ActionMark + 1); act != None {
			if err := st.Set(Decision{Action: act, Mark: 1}); err != nil {
				t.Fatal(err)
			}
		}
		r := New(Config{}).Apply(data, &u, st, t0)
		if len(data) != len(before) {
			t.Fatalf("length %d, was %d", len(data), len(before))
		}
		if r.Verdict.Modifies() != r.Modified {
			t.Fatalf("%+v", r)
		}
		if !r.Modified {
			if !bytes.Equal(before, data) {
				t.Fatalf("%+v but the packet changed", r)
			}
		} else {
			if sel&0x80 != 0 {
				t.Fatalf("another stream's packet rewritten: %+v", r)
			}
			p0 := u.TransportOffset + 8
			for i := range data {
				inPayload := i >= p0+12 && i < p0+len(u.Payload)
				isSum := i == u.TransportOffset+6 || i == u.TransportOffset+7
				if data[i] != before[i] && !inPayload && !isSum {
					t.Fatalf("byte %d outside the payload changed", i)
				}
			}
			seg := data[u.TransportOffset : p0+len(u.Payload)]
			got := binary.BigEndian.Uint16(seg[6:])
			switch {
			case !u.IPv6 && sum0 == 0:
				if got != 0 {
					t.Fatalf("checksum %#04x, the sender sent 0", got)
				}
			case got == 0:
				t.Fatal("checksum 0")
			case !slowChecksumOK(&u, seg):
				t.Fatalf("bad checksum %#04x", got)
			}
		}
		h, err := parseRTP(before[u.TransportOffset+8 : u.TransportOffset+8+len(u.Payload)])
		var p rtp.Packet
		if err == nil && p.Unmarshal(before[u.TransportOffset+8:u.TransportOffset+8+len(u.Payload)]) == nil {
			if want := before[u.TransportOffset+8+h.start : u.TransportOffset+8+h.end]; !bytes.Equal(p.Payload, want) {
				t.Fatalf("payload [%d:%d] of %d bytes, pion's is %d bytes", h.start, h.end, len(want), len(p.Payload))
			}
		}
	})
}

// rtpKey is the stream key of a decoded datagram with this SSRC.
func rtpKey(u *packet.UDP, ssrc uint32) rtpflow.Key {
	return rtpflow.Key{Src: u.Src, Dst: u.Dst, SrcPort: u.SrcPort, DstPort: u.DstPort, SSRC: ssrc}
}

// slowChecksumOK checks a UDP checksum one 16-bit word at a time over a
// pseudo-header built as bytes.
func slowChecksumOK(u *packet.UDP, seg []byte) bool {
	var b []byte
	if u.IPv6 {
		b = append(append(b, u.Src[:]...), u.Dst[:]...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(seg)))
		b = append(b, 0, 0, 0, 17)
	} else {
		b = append(append(b, u.Src[12:]...), u.Dst[12:]...)
		b = append(b, 0, 17)
		b = binary.BigEndian.AppendUint16(b, uint16(len(seg)))
	}
	b = append(b, seg...)
	if len(b)%2 == 1 {
		b = append(b, 0)
	}
	var s uint32
	for i := 0; i < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return s == 0xffff
}
