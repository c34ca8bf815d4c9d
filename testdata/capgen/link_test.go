package capgen

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/gopacket/gopacket/layers"
)

func TestParseLink(t *testing.T) {
	for _, l := range AllLinks() {
		got, err := ParseLink(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLink(%q) = %v, %v; want %v", l.String(), got, err, l)
		}
	}
	if _, err := ParseLink("token-ring"); err == nil {
		t.Error("ParseLink(token-ring) succeeded")
	}
}

// TestLinks writes every link type in both formats and both IP families,
// and reads each capture back with gopacket and with tshark.
func TestLinks(t *testing.T) {
	wantLinkType := map[Link]layers.LinkType{
		Ethernet: layers.LinkTypeEthernet, EthernetVLAN: layers.LinkTypeEthernet, EthernetQinQ: layers.LinkTypeEthernet,
		LinuxSLL: layers.LinkTypeLinuxSLL, LinuxSLL2: layers.LinkTypeLinuxSLL2, RawIP: layers.LinkTypeRaw, Null: layers.LinkTypeNull,
	}
	wantVLANs := map[Link][]uint16{EthernetVLAN: {DefaultVLAN}, EthernetQinQ: {DefaultOuterVLAN, DefaultVLAN}}
	families := []struct {
		name     string
		src, dst string
	}{
		{"ipv4", "192.0.2.1:4000", "192.0.2.2:30000"},
		{"ipv6", "[2001:db8::1]:4000", "[2001:db8::2]:30000"},
	}
	for _, link := range AllLinks() {
		for _, format := range []Format{PCAP, PCAPNG} {
			for _, fam := range families {
				t.Run(fmt.Sprintf("%v/%v/%s", link, format, fam.name), func(t *testing.T) {
					t.Parallel()
					s := testStream(Impairments{Loss: 0.02, Duplicate: 0.02, Reorder: 0.02, Seed: 5})
					s.Audio = s.Audio[:3*SampleRate]
					s.Src, s.Dst = netip.MustParseAddrPort(fam.src), netip.MustParseAddrPort(fam.dst)
					s.RTCP = true
					const noise = 6
					capture, truth := write(t, Options{Format: format, Link: link, Noise: noise, Seed: 2}, s)
					ds, lt := readCapture(t, capture)
					if lt != wantLinkType[link] {
						t.Errorf("link type %v, want %v", lt, wantLinkType[link])
					}
					var seqs []uint16
					other := 0
					for _, d := range ds {
						if !slices.Equal(d.vlans, wantVLANs[link]) {
							t.Fatalf("vlan tags %v, want %v", d.vlans, wantVLANs[link])
						}
						if d.src.Addr().Is4() != (fam.name == "ipv4") {
							t.Fatalf("%v in an %s capture", d.src, fam.name)
						}
						switch {
						case d.dst == s.Dst:
							seqs = append(seqs, parseRTP(t, d.payload).seq)
						case d.dst.Port() == s.Dst.Port()+1:
						default:
							other++
						}
					}
					if d := diffLines(seqStrings(truth[0].Seqs), seqStrings(seqs)); d != "" {
						t.Errorf("gopacket: %s", d)
					}
					if other != noise {
						t.Errorf("%d non-RTP datagrams, want %d", other, noise)
					}
					got := tshark(t, capture, "-d", "udp.port==30000,rtp", "-Y", "rtp", "-T", "fields", "-e", "rtp.seq")
					if d := diffLines(seqStrings(truth[0].Seqs), got); d != "" {
						t.Errorf("tshark: %s", d)
					}
				})
			}
		}
	}
}
