package capgen

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"
)

// Ports used by noise datagrams. Random-byte datagrams go to the discard
// port from a source port that no stream (or its RTCP) uses.
const (
	sipPort     = 5060
	discardPort = 9
)

// noiseDatagram is a non-RTP UDP datagram.
type noiseDatagram struct {
	at       time.Duration
	src, dst netip.AddrPort
	data     []byte
}

// noise returns n datagrams spread uniformly over [0, end]: SIP OPTIONS
// requests between the streams' hosts on port 5060 and random bytes to the
// discard port, alternating.
func noise(n int, seed int64, end time.Duration, streams []Stream) []noiseDatagram {
	if n <= 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6e6f697365)) // "noise"
	used := map[uint16]bool{sipPort: true, discardPort: true}
	for _, s := range streams {
		for _, p := range []uint16{s.Src.Port(), s.Dst.Port()} {
			used[p], used[p+1] = true, true
		}
	}
	hosts := [][2]netip.Addr{{netip.MustParseAddr("192.0.2.10"), netip.MustParseAddr("192.0.2.20")}}
	if len(streams) > 0 {
		hosts = hosts[:0]
		for _, s := range streams {
			hosts = append(hosts, [2]netip.Addr{s.Src.Addr(), s.Dst.Addr()})
		}
	}
	out := make([]noiseDatagram, 0, n)
	for i := range n {
		h := hosts[i%len(hosts)]
		at := time.Duration(rng.Int64N(int64(end) + 1))
		if i%2 == 0 {
			branch := rng.Uint32()
			text := fmt.Sprintf("OPTIONS sip:ping@%s SIP/2.0\r\n"+
				"Via: SIP/2.0/UDP %s;branch=z9hG4bK%08x\r\n"+
				"From: <sip:monitor@%s>;tag=%08x\r\n"+
				"To: <sip:ping@%s>\r\n"+
				"Call-ID: %08x@%s\r\nCSeq: %d OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
				netip.AddrPortFrom(h[1], sipPort), netip.AddrPortFrom(h[0], sipPort), branch,
				netip.AddrPortFrom(h[0], sipPort), branch^0x5a5a5a5a, netip.AddrPortFrom(h[1], sipPort),
				branch, h[0], i+1)
			out = append(out, noiseDatagram{at: at, src: netip.AddrPortFrom(h[0], sipPort), dst: netip.AddrPortFrom(h[1], sipPort), data: []byte(text)})
			continue
		}
		port := uint16(49152 + rng.IntN(16384))
		for used[port] {
			port = 49152 + uint16((int(port)-49152+1)%16384)
		}
		b := make([]byte, 16+rng.IntN(185))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		out = append(out, noiseDatagram{at: at, src: netip.AddrPortFrom(h[0], port), dst: netip.AddrPortFrom(h[1], discardPort), data: b})
	}
	return out
}
