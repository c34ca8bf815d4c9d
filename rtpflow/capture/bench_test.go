package capture

import (
	"bytes"
	"io"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// BenchmarkNext reads a 10,000-packet file held in memory with Reader.Next
// and, for comparison, with a bare pcapgo ZeroCopyReadPacketData loop.
func BenchmarkNext(b *testing.B) {
	ps := records(10_000)
	files := map[string][]byte{"pcap": writePcap(b, ps, false, false), "pcapng": writeNg(b, ps)}
	for _, format := range []string{"pcap", "pcapng"} {
		file := files[format]
		b.Run(format+"/Reader", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(file)))
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(file), "bench")
				if err != nil {
					b.Fatal(err)
				}
				for {
					if _, _, err := r.Next(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ps)), "ns/packet")
		})
		b.Run(format+"/pcapgo", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(file)))
			for b.Loop() {
				var next func() ([]byte, gopacket.CaptureInfo, error)
				if format == "pcap" {
					r, err := pcapgo.NewReader(bytes.NewReader(file))
					if err != nil {
						b.Fatal(err)
					}
					next = r.ZeroCopyReadPacketData
				} else {
					r, err := pcapgo.NewNgReader(bytes.NewReader(file), pcapgo.NgReaderOptions{WantMixedLinkType: true})
					if err != nil {
						b.Fatal(err)
					}
					next = r.ZeroCopyReadPacketData
				}
				for {
					if _, _, err := next(); err != nil {
						if err != io.EOF {
							b.Fatal(err)
						}
						break
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ps)), "ns/packet")
		})
	}
}
