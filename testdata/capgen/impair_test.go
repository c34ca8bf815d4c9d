package capgen

import (
	"testing"
	"time"
)

// FuzzImpairments writes a stream with arbitrary impairments and checks
// the capture against the truth: the RTP records gopacket reads are
// exactly truth.Seqs, the counts add up, and arrival times never go back.
func FuzzImpairments(f *testing.F) {
	f.Add(int64(1), uint8(10), uint8(3), uint8(5), uint8(5), uint8(1), uint8(0), uint16(65500), uint16(100), uint8(0))
	f.Add(int64(2), uint8(255), uint8(1), uint8(255), uint8(255), uint8(4), uint8(50), uint16(0), uint16(3), uint8(1))
	f.Add(int64(3), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint8(0), uint16(65535), uint16(1), uint8(2))
	f.Fuzz(func(t *testing.T, seed int64, loss, burst, dup, reorder, depth, jitter uint8, seq, n uint16, change uint8) {
		n = n%300 + 1
		s := testStream(Impairments{
			Loss: float64(loss) / 255, BurstLoss: int(burst % 8), Duplicate: float64(dup) / 255,
			Reorder: float64(reorder) / 255, ReorderDepth: int(depth % 6), JitterMs: float64(jitter), Seed: seed,
		})
		s.Seq = seq
		s.Audio = tone(int(n) * 160)
		if change > 0 && int(change) < int(n) {
			s.SSRCChangeAt, s.NewSSRC = int(change), s.SSRC+1
		}
		capture, truth := write(t, Options{Nanosecond: true}, s)
		ds, _ := readCapture(t, capture)
		bySSRC := map[uint32][]uint16{}
		for i, d := range ds {
			p := parseRTP(t, d.payload)
			bySSRC[p.ssrc] = append(bySSRC[p.ssrc], p.seq)
			if i > 0 && d.at.Before(ds[i-1].at) {
				t.Fatalf("record %d goes back in time", i)
			}
			if d.at.Before(DefaultStart()) || d.at.After(DefaultStart().Add(time.Duration(n)*DefaultPacketTime+time.Duration(jitter)*time.Millisecond+time.Second)) {
				t.Fatalf("record %d at %v", i, d.at)
			}
		}
		generated := 0
		for _, tr := range truth {
			generated += tr.Generated
			if d := diffLines(seqStrings(tr.Seqs), seqStrings(bySSRC[tr.SSRC])); d != "" {
				t.Fatalf("ssrc %#x: %s", tr.SSRC, d)
			}
			distinct := map[uint16]bool{}
			for _, q := range tr.Seqs {
				distinct[q] = true
			}
			if tr.Sent != len(distinct) || tr.Packets != len(tr.Seqs) || tr.Sent+tr.Lost != tr.Generated ||
				tr.Packets-tr.Sent != tr.Duplicated || tr.LostRFC3550 != tr.Generated-tr.Packets {
				t.Fatalf("counts do not add up: %+v", tr)
			}
			if tr.Seqs[0] != tr.FirstSeq || !distinct[tr.LastSeq] {
				t.Fatalf("first record %d, first seq %d, last seq %d received %v", tr.Seqs[0], tr.FirstSeq, tr.LastSeq, distinct[tr.LastSeq])
			}
		}
		if generated != int(n) {
			t.Fatalf("generated %d packets for %d slots", generated, n)
		}
	})
}
