package enforce

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

var benchActions = []struct {
	name string
	act  Action
}{
	{"accept", None}, {"log", ActionLog}, {"mute", ActionMute}, {"bleep", ActionBleep},
	{"drop", ActionDrop}, {"mark", ActionMark},
}

// BenchmarkApply measures Apply alone on a decoded 20 ms G.711 packet.
func BenchmarkApply(b *testing.B) {
	for _, f := range []struct {
		name string
		flow flow
	}{{"ipv4", flow4}, {"ipv6", flow6}} {
		for _, a := range benchActions {
			b.Run(f.name+"/"+a.name, func(b *testing.B) {
				e := New(Config{})
				pkt := ipPacket(b, f.flow, rtpSpec{pt: 0, ts: 8, ssrc: 1, payload: audio(160)}.marshal(b), false)
				u := decodeRaw(b, pkt)
				st := NewState(keyOf(f.flow, 1))
				if a.act != None {
					st.Set(Decision{Action: a.act})
				}
				b.SetBytes(int64(len(pkt)))
				b.ReportAllocs()
				for b.Loop() {
					e.Apply(pkt, &u, st, t0)
				}
			})
		}
	}
}

// BenchmarkFastPath measures the daemon's whole per-packet path: decode raw
// IP, stream table, state lookup, Apply.
func BenchmarkFastPath(b *testing.B) {
	for _, a := range benchActions {
		b.Run(a.name, func(b *testing.B) {
			p := newPipeline(b)
			pkt := stream(b, flow4, 1, 1)[0]
			p.step(pkt, t0)
			if a.act != None {
				p.tab.Lookup(keyOf(flow4, 1)).Tag.(*State).Set(Decision{Action: a.act})
			}
			rtpAt := udpOffset(pkt) + 8
			b.ReportAllocs()
			for i := 1; b.Loop(); i++ {
				binary.BigEndian.PutUint16(pkt[rtpAt+2:], uint16(i))
				binary.BigEndian.PutUint32(pkt[rtpAt+4:], uint32(i*160))
				p.step(pkt, t0.Add(time.Duration(i)*20*time.Millisecond))
			}
		})
	}
}

// BenchmarkMuteVsGopacket mutes a packet with Apply and reports, measured
// in the same run, how many times longer the obvious alternative takes:
// gopacket's DecodingLayerParser, overwrite the payload, and SerializeLayers
// with ComputeChecksums.
func BenchmarkMuteVsGopacket(b *testing.B) {
	for _, f := range []struct {
		name string
		flow flow
	}{{"ipv4", flow4}, {"ipv6", flow6}} {
		b.Run(f.name, func(b *testing.B) {
			pkt := ipPacket(b, f.flow, rtpSpec{pt: 0, ts: 8, ssrc: 1, payload: audio(160)}.marshal(b), false)
			e := New(Config{})
			var dec packet.Decoder
			var u packet.UDP
			st := NewState(keyOf(f.flow, 1))
			st.Set(Decision{Action: ActionMute})
			b.ReportAllocs()
			for b.Loop() {
				dec.Decode(packet.LinkRaw, pkt, t0, &u)
				e.Apply(pkt, &u, st, t0)
			}
			n := b.N
			ours := float64(b.Elapsed().Nanoseconds()) / float64(n)
			// The peer runs as many times, after the timed loop, timed by
			// hand (a nested testing.Benchmark would deadlock).
			peer := gopacketMute(b, pkt, n)
			b.ReportMetric(peer, "gopacket-ns/op")
			b.ReportMetric(peer/ours, "gopacket/ours")
		})
	}
}

// gopacketMute is the peer: decode with gopacket, silence the RTP payload
// (fixed 12-byte header), serialize with checksums, n times; it returns the
// nanoseconds per packet.
func gopacketMute(b *testing.B, pkt []byte, n int) float64 {
	var ip4 layers.IPv4
	var ip6 layers.IPv6
	var udp layers.UDP
	var pl gopacket.Payload
	first := layers.LayerTypeIPv4
	if pkt[0]>>4 == 6 {
		first = layers.LayerTypeIPv6
	}
	parser := gopacket.NewDecodingLayerParser(first, &ip4, &ip6, &udp, &pl)
	decoded := make([]gopacket.LayerType, 0, 4)
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{ComputeChecksums: true}
	data := append([]byte(nil), pkt...)
	start := time.Now()
	for range n {
		if err := parser.DecodeLayers(data, &decoded); err != nil {
			b.Fatal(err)
		}
		for i := 12; i < len(pl); i++ {
			pl[i] = 0xFF
		}
		var ip gopacket.SerializableLayer = &ip4
		if first == layers.LayerTypeIPv6 {
			ip = &ip6
			udp.SetNetworkLayerForChecksum(&ip6)
		} else {
			udp.SetNetworkLayerForChecksum(&ip4)
		}
		if err := gopacket.SerializeLayers(buf, opts, ip, &udp, pl); err != nil {
			b.Fatal(err)
		}
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}
