package rtpflow

import (
	"encoding/binary"
	"testing"
	"time"
)

// FuzzTable feeds a sequence of datagrams, split from the input at 0xff 0xfe
// markers, to a table with and without configured ports. It must never
// panic, and the counters must stay consistent.
func FuzzTable(f *testing.F) {
	seed := func(pkts ...pkt) []byte {
		var out []byte
		for i, p := range pkts {
			if i > 0 {
				out = append(out, 0xff, 0xfe)
			}
			out = append(out, marshal(f, p)...)
		}
		return out
	}
	f.Add(seed(seqs(65530, 10)...))
	f.Add(seed(pkt{seq: 1, pt: 101, size: 4}, pkt{seq: 2, pt: 13, size: 1}, pkt{seq: 3}))
	f.Add([]byte{0x81, 200, 0, 6, 1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x81, 203, 0, 1, 0x1a, 0x2b, 0x3c, 0x4d})
	f.Add([]byte{0xa0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xff})
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xbe, 0xde, 0, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cfg := range []Config{{}, onPorts, {Ports: onPorts.Ports, ReorderWindow: 2, LearnPackets: 2}} {
			rec := &recorder{}
			tab := NewTable(cfg, rec)
			u := udpFor("192.0.2.1:4000", "192.0.2.2:30000", nil)
			rest := data
			var n uint64
			for i := 0; len(rest) > 0 && i < 200; i++ {
				dg := rest
				if j := indexMarker(rest); j >= 0 {
					dg, rest = rest[:j], rest[j+2:]
				} else {
					rest = nil
				}
				at := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				if len(dg) > 2 { // let the input move time around too
					at = at.Add(time.Duration(binary.BigEndian.Uint16(dg[len(dg)-2:])) * time.Millisecond)
				}
				u.Payload = dg
				tab.Handle(u, at)
				n++
			}
			st := tab.Stats()
			if got := st.RTP + st.RTCP + st.NotRTP + st.Learning + st.Refused + st.Malformed; got != n {
				t.Fatalf("classified %d datagrams, handled %d", got, n)
			}
			tab.Flush()
			if st := tab.Stats(); st.Live != 0 {
				t.Fatalf("%d streams live after Flush", st.Live)
			}
		}
	})
}

func indexMarker(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == 0xff && b[i+1] == 0xfe {
			return i
		}
	}
	return -1
}
