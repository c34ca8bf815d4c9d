package capgen

import (
	"net/netip"
	"testing"
)

func TestFragmentation(t *testing.T) {
	tests := []struct {
		name      string
		src, dst  string
		mtu       int
		wantFrags int // per 172-byte RTP datagram (180 bytes of UDP)
	}{
		// IPv4: 100-20 = 80 bytes per fragment -> 80+80+20.
		{"ipv4", "192.0.2.1:4000", "192.0.2.2:30000", 100, 3},
		// IPv6: 100-40-8 = 52 -> 48 bytes per fragment -> 4 fragments.
		{"ipv6", "[2001:db8::1]:4000", "[2001:db8::2]:30000", 100, 4},
		{"ipv4 unfragmented", "192.0.2.1:4000", "192.0.2.2:30000", 1500, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testStream(Impairments{Loss: 0.02, Seed: 1})
			s.Audio = s.Audio[:2*SampleRate]
			s.Src, s.Dst = netip.MustParseAddrPort(tt.src), netip.MustParseAddrPort(tt.dst)
			capture, truth := write(t, Options{FragmentMTU: tt.mtu, Link: EthernetVLAN}, s)
			ds, _ := readCapture(t, capture)
			var seqs []uint16
			for _, d := range ds {
				if d.frags != tt.wantFrags {
					t.Fatalf("datagram in %d fragments, want %d", d.frags, tt.wantFrags)
				}
				seqs = append(seqs, parseRTP(t, d.payload).seq)
			}
			if d := diffLines(seqStrings(truth[0].Seqs), seqStrings(seqs)); d != "" {
				t.Errorf("gopacket: %s", d)
			}
			got := tshark(t, capture, "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE",
				"-d", "udp.port==30000,rtp", "-Y", "rtp", "-T", "fields", "-e", "rtp.seq")
			if d := diffLines(seqStrings(truth[0].Seqs), got); d != "" {
				t.Errorf("tshark: %s", d)
			}
			// tshark also verifies every UDP checksum of the reassembled datagrams.
			bad := tshark(t, capture, "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE", "-o", "udp.check_checksum:TRUE",
				"-Y", "udp.checksum.status != 1", "-T", "fields", "-e", "frame.number")
			if len(bad) != 0 {
				t.Errorf("tshark finds bad or unverified UDP checksums in frames %v", bad)
			}
		})
	}
}
