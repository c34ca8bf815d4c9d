package capgen

import (
	"fmt"
	"time"

	"github.com/pion/rtcp"
)

// ntpEpochOffset is the number of seconds from 1900-01-01 (NTP) to 1970-01-01 (Unix).
const ntpEpochOffset = 2208988800

// ntpTime converts a wall-clock time to the 64-bit NTP format of RFC 3550 4.
func ntpTime(t time.Time) uint64 {
	sec := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return sec<<32 | frac
}

// rtcpDatagram is one compound RTCP packet and when it is sent.
type rtcpDatagram struct {
	at   time.Duration
	seg  int
	data []byte
}

// rtcpFor returns the stream's RTCP: a SR+SDES every RTCPInterval while a
// segment is active, and RR+BYE one packet time after its last packet.
func (s *Stream) rtcpFor(start time.Time, pkts []rtpPacket, segs []segment) ([]rtcpDatagram, error) {
	var out []rtcpDatagram
	pt := s.packetTime()
	cname := func(ssrc uint32) string { return fmt.Sprintf("%08x@%s", ssrc, s.Src.Addr()) }
	for si, seg := range segs {
		first, last := pkts[seg.first].at, pkts[seg.first+seg.n-1].at
		for t := s.Start + RTCPInterval; t <= last; t += RTCPInterval {
			if t < first {
				continue
			}
			var count, octets uint32
			for _, p := range pkts[seg.first : seg.first+seg.n] {
				if p.at <= t {
					count++
					octets += uint32(len(p.payload))
				}
			}
			elapsed := t - s.Start
			sr := &rtcp.SenderReport{
				SSRC:        seg.ssrc,
				NTPTime:     ntpTime(start.Add(t)),
				RTPTime:     seg.tsBase + uint32(elapsed*SampleRate/time.Second),
				PacketCount: count,
				OctetCount:  octets,
			}
			sdes := &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
				Source: seg.ssrc,
				Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: cname(seg.ssrc)}},
			}}}
			b, err := rtcp.Marshal([]rtcp.Packet{sr, sdes})
			if err != nil {
				return nil, fmt.Errorf("capgen: rtcp sr for ssrc %#08x: %w", seg.ssrc, err)
			}
			out = append(out, rtcpDatagram{at: t, seg: si, data: b})
		}
		b, err := rtcp.Marshal([]rtcp.Packet{
			&rtcp.ReceiverReport{SSRC: seg.ssrc},
			&rtcp.Goodbye{Sources: []uint32{seg.ssrc}},
		})
		if err != nil {
			return nil, fmt.Errorf("capgen: rtcp bye for ssrc %#08x: %w", seg.ssrc, err)
		}
		out = append(out, rtcpDatagram{at: last + pt, seg: si, data: b})
	}
	return out, nil
}
