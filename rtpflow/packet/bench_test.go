package packet

import (
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// rtpPayload is the size of a 20 ms G.711 RTP packet: 12 + 160 bytes.
const rtpPayload = 172

func BenchmarkDecode(b *testing.B) {
	g4 := dgram{sport: 4000, dport: 30000, payload: make([]byte, rtpPayload)}
	g6 := dgram{v6: true, sport: 4000, dport: 30000, payload: make([]byte, rtpPayload)}
	frames := []struct {
		name  string
		lt    LinkType
		frame []byte
	}{
		{"ethernet-ipv4", LinkEthernet, ethernet(b, g4.ip(b), false)},
		{"raw-ipv4", LinkRaw, g4.ip(b)},
		{"ethernet-vlan-ipv6", LinkEthernet, ethernet(b, g6.ip(b), true, etherVLAN)},
		{"linux_sll2-ipv6-extensions", LinkLinuxSLL2, sll2(dgram{v6: true, sport: 1, dport: 2, payload: make([]byte, rtpPayload), ext: []byte{protoHopByHop, protoDestOpts}}.ip(b), true)},
	}
	for _, f := range frames {
		b.Run(f.name, func(b *testing.B) {
			d := NewDecoder(DecoderConfig{Reassemble: true})
			var out UDP
			b.ReportAllocs()
			b.SetBytes(int64(len(f.frame)))
			for b.Loop() {
				if k, err := d.Decode(f.lt, f.frame, t0, &out); k != KindUDP {
					b.Fatal(k, err)
				}
			}
		})
	}
	b.Run("reassemble-2-fragments", func(b *testing.B) {
		g := dgram{sport: 1, dport: 2, payload: make([]byte, 2000)}
		p1, p2 := g.fragment(b, piece{0, 1480, true}), g.fragment(b, piece{1480, 528, false})
		d := NewDecoder(DecoderConfig{Reassemble: true})
		var out UDP
		b.ReportAllocs()
		b.SetBytes(int64(len(p1) + len(p2)))
		for b.Loop() {
			d.Decode(LinkRaw, p1, t0, &out)
			if k, err := d.Decode(LinkRaw, p2, t0, &out); k != KindUDP {
				b.Fatal(k, err)
			}
		}
	})
}

// BenchmarkGopacketParser decodes the ethernet-ipv4 frame with gopacket's
// DecodingLayerParser, the fastest of its decoders, for comparison.
func BenchmarkGopacketParser(b *testing.B) {
	frame := ethernet(b, dgram{sport: 4000, dport: 30000, payload: make([]byte, rtpPayload)}.ip(b), false)
	var (
		eth layers.Ethernet
		ip4 layers.IPv4
		udp layers.UDP
		pl  gopacket.Payload
	)
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &udp, &pl)
	decoded := make([]gopacket.LayerType, 0, 4)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if err := p.DecodeLayers(frame, &decoded); err != nil || len(decoded) != 4 {
			b.Fatal(err, decoded)
		}
	}
}
