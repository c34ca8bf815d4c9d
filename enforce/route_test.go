package enforce

import (
	"encoding/binary"
	"testing"
)

// withIPv6Ext inserts an extension header of type nh after the IPv6
// header; its next header field is set to what the IPv6 header said.
func withIPv6Ext(p []byte, nh byte, ext []byte) []byte {
	ext = append([]byte(nil), ext...)
	ext[0] = p[6]
	b := append(append(append([]byte(nil), p[:40]...), ext...), p[40:]...)
	b[6] = nh
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40))
	return b
}

// withIPv4Options puts options (a multiple of 4 bytes) in the IPv4 header.
func withIPv4Options(p []byte, opts []byte) []byte {
	b := append(append(append([]byte(nil), p[:20]...), opts...), p[20:]...)
	b[0] = 0x40 | byte((20+len(opts))/4)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// TestSourceRoute mutes packets with IPv4 options and IPv6 extension
// headers: the checksum is recomputed where the IP header holds the final
// destination, and the packet dropped where a source route is unfinished.
func TestSourceRoute(t *testing.T) {
	rtp4 := ipPacket(t, flow4, rtpSpec{pt: 0, ssrc: 1, payload: audio(160)}.marshal(t), false)
	rtp6 := ipPacket(t, flow6, rtpSpec{pt: 0, ssrc: 1, payload: audio(160)}.marshal(t), false)
	srh := func(left byte) []byte { // type 4, one segment
		h := make([]byte, 24)
		h[1], h[2], h[3] = 2, 4, left
		copy(h[8:], flow6.src.Addr().AsSlice())
		return h
	}
	lsrr := []byte{0x83, 7, 4, 198, 51, 100, 1, 0} // with an end-of-options pad
	tests := []struct {
		name string
		pkt  []byte
		want Result
	}{
		{"ipv4 nop options", withIPv4Options(rtp4, []byte{1, 1, 1, 0}), Result{Verdict: Mute, Reason: ReasonRule, Modified: true}},
		{"ipv4 record route", withIPv4Options(rtp4, []byte{7, 7, 4, 0, 0, 0, 0, 0}), Result{Verdict: Mute, Reason: ReasonRule, Modified: true}},
		{"ipv4 loose source route", withIPv4Options(rtp4, lsrr), Result{Verdict: Drop, Reason: ReasonSourceRouted}},
		{"ipv4 strict source route", withIPv4Options(rtp4, []byte{1, 0x89, 7, 4, 198, 51, 100, 1}), Result{Verdict: Drop, Reason: ReasonSourceRouted}},
		{"ipv6 hop-by-hop", withIPv6Ext(rtp6, 0, make([]byte, 8)), Result{Verdict: Mute, Reason: ReasonRule, Modified: true}},
		{"ipv6 routing header done", withIPv6Ext(rtp6, 43, srh(0)), Result{Verdict: Mute, Reason: ReasonRule, Modified: true}},
		{"ipv6 routing header with segments left", withIPv6Ext(rtp6, 43, srh(1)), Result{Verdict: Drop, Reason: ReasonSourceRouted}},
		{"ipv6 destination options then routing", withIPv6Ext(withIPv6Ext(rtp6, 43, srh(1)), 60, []byte{0, 0, 1, 4, 0, 0, 0, 0}), Result{Verdict: Drop, Reason: ReasonSourceRouted}},
	}
	e := New(Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := append([]byte(nil), tt.pkt...)
			u := decodeRaw(t, tt.pkt)
			k := keyOf(flow4, 1)
			if u.IPv6 {
				k = keyOf(flow6, 1)
			}
			st := NewState(k)
			st.Set(Decision{Action: ActionMute})
			got := e.Apply(tt.pkt, &u, st, t0)
			if d := diffResult(tt.want, got); d != "" {
				t.Fatal(d)
			}
			if !got.Modified {
				if d := diffBytes(before, tt.pkt); d != "" {
					t.Errorf("packet changed %s", d)
				}
				return
			}
			seg := tt.pkt[u.TransportOffset : u.TransportOffset+8+len(u.Payload)]
			if !slowChecksumOK(&u, seg) {
				t.Error("bad checksum")
			}
			if r := gopacketChecksum(t, tt.pkt); !r.Valid {
				t.Errorf("gopacket: checksum %#04x, want %#04x", r.Actual, r.Correct)
			}
		})
	}
}
