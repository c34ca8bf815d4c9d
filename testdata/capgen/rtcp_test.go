package capgen

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

func TestRTCP(t *testing.T) {
	s := testStream(Impairments{Loss: 0.05, Seed: 2})
	s.Audio = tone(12*SampleRate - 80) // 12 s: SRs at 5 s and 10 s
	s.RTCP = true
	capture, truth := write(t, Options{}, s)
	ds, _ := readCapture(t, capture)
	rtcpDst := netip.AddrPortFrom(s.Dst.Addr(), s.Dst.Port()+1)
	var got []string
	var lastRTP time.Time
	for _, d := range ds {
		if d.dst == s.Dst {
			lastRTP = d.at
			continue
		}
		if d.dst != rtcpDst || d.src.Port() != s.Src.Port()+1 {
			t.Fatalf("datagram %v -> %v", d.src, d.dst)
		}
		pkts, err := rtcp.Unmarshal(d.payload)
		if err != nil {
			t.Fatalf("rtcp: %v", err)
		}
		switch p := pkts[0].(type) {
		case *rtcp.SenderReport:
			sdes, ok := pkts[1].(*rtcp.SourceDescription)
			if len(pkts) != 2 || !ok || sdes.Chunks[0].Items[0].Type != rtcp.SDESCNAME {
				t.Fatalf("SR compound %v", pkts)
			}
			elapsed := d.at.Sub(DefaultStart())
			// The sender counts every packet it sent up to now, lost or not.
			wantCount := uint32(elapsed/DefaultPacketTime) + 1
			if p.SSRC != s.SSRC || p.PacketCount != wantCount || p.OctetCount != 160*wantCount ||
				p.RTPTime != s.Timestamp+uint32(elapsed*SampleRate/time.Second) || p.NTPTime != ntpTime(d.at) {
				t.Errorf("SR at %v: %+v, want %d packets", elapsed, p, wantCount)
			}
			got = append(got, "SR")
		case *rtcp.ReceiverReport:
			bye, ok := pkts[1].(*rtcp.Goodbye)
			if len(pkts) != 2 || !ok || bye.Sources[0] != s.SSRC || !d.at.After(lastRTP) {
				t.Fatalf("BYE compound %v at %v, last RTP %v", pkts, d.at, lastRTP)
			}
			got = append(got, "BYE")
		default:
			t.Fatalf("unexpected %T", p)
		}
	}
	if d := diffLines([]string{"SR", "SR", "BYE"}, got); d != "" {
		t.Error(d)
	}
	if truth[0].RTCP != 3 {
		t.Errorf("truth has %d RTCP datagrams, want 3", truth[0].RTCP)
	}
	if ntpTime(time.Date(1900, 1, 1, 0, 0, 1, 500_000_000, time.UTC)) != 1<<32|1<<31 {
		t.Errorf("ntpTime(1900-01-01 00:00:01.5) = %#x", ntpTime(time.Date(1900, 1, 1, 0, 0, 1, 500_000_000, time.UTC)))
	}
}
