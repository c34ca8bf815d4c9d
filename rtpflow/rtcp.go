package rtpflow

import (
	"time"

	"github.com/pion/rtcp"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// rtcp handles a datagram that starts like RTCP. It reports false if it does
// not parse as an RTCP compound packet. Sender reports, report blocks and
// BYEs are tied to streams by SSRC; a BYE ends the stream's audio (the
// sink hears of it if it is an [AudioEnder]) but keeps its statistics, and
// RTP that comes after it resumes the audio.
func (t *Table) rtcp(u *packet.UDP, at time.Time, onPort bool) bool {
	if !onPort && (u.Payload[1] < 200 || u.Payload[1] > 204) {
		return false // off the RTP ports, only the common types count
	}
	pkts, err := rtcp.Unmarshal(u.Payload)
	if err != nil {
		t.stats.RTCPMalformed++
		return false
	}
	t.stats.RTCP++
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			for _, s := range t.bySSRC[p.SSRC] {
				if s.Key.Src == u.Src {
					s.stats.SenderReports++
				}
			}
			t.reports(u, p.Reports)
		case *rtcp.ReceiverReport:
			t.reports(u, p.Reports)
		case *rtcp.Goodbye:
			for _, ssrc := range p.Sources {
				for _, s := range t.bySSRC[ssrc] {
					if s.Key.Src == u.Src && !s.ended {
						s.stats.Bye = at // the latest BYE's time
						s.endAudio(&t.cfg, t.sink)
						if ae, ok := t.sink.(AudioEnder); ok {
							ae.AudioEnd(s, at)
						}
					}
				}
			}
		}
	}
	return true
}

// reports applies receiver report blocks sent from u's source: they describe
// streams flowing towards that address.
func (t *Table) reports(u *packet.UDP, blocks []rtcp.ReceptionReport) {
	for _, r := range blocks {
		for _, s := range t.bySSRC[r.SSRC] {
			if s.Key.Dst == u.Src {
				s.stats.ReceiverReports++
				s.stats.RemoteLost = int32(r.TotalLost<<8) >> 8 // 24-bit signed
				s.stats.RemoteJitter = r.Jitter
			}
		}
	}
}
