package capgen

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// Format is the capture file format.
type Format int

const (
	PCAP   Format = iota // libpcap (microseconds, or nanoseconds with Options.Nanosecond)
	PCAPNG               // pcapng, one interface, nanosecond timestamps
)

// String returns "pcap" or "pcapng".
func (f Format) String() string {
	switch f {
	case PCAP:
		return "pcap"
	case PCAPNG:
		return "pcapng"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// DefaultStart returns the capture start used when Options.Start is zero:
// 2024-03-01 12:00:00 UTC.
func DefaultStart() time.Time {
	return time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
}

// Snaplen is the snapshot length written in the file header.
const Snaplen = 65535

// Options describe the capture file. The zero value writes an Ethernet
// pcap with microsecond timestamps starting at DefaultStart.
type Options struct {
	Format Format
	Link   Link
	// Nanosecond selects nanosecond timestamps in a pcap file. Without it
	// every arrival time is truncated to the microsecond (also in pcapng,
	// whose timestamps are always written in nanoseconds), so that the
	// truth matches what a reader sees.
	Nanosecond bool
	// Start is the capture's start time; zero means DefaultStart.
	Start time.Time
	// FragmentMTU, when > 0, fragments IP datagrams larger than this many
	// bytes (IPv4 fragments, or the IPv6 fragment header).
	FragmentMTU int
	// Noise is the number of non-RTP UDP datagrams (SIP OPTIONS text and
	// random bytes) sprinkled over the capture on other ports.
	Noise int
	// Seed seeds the noise datagrams.
	Seed int64
	// VLAN and OuterVLAN are the 802.1Q / 802.1ad tags; zero means
	// DefaultVLAN / DefaultOuterVLAN.
	VLAN, OuterVLAN uint16
}

// record is one UDP datagram to write.
type record struct {
	at       time.Duration
	src, dst netip.AddrPort
	payload  []byte
	stream   int
	truth    int  // index into the truth slice, -1 for noise
	pkt      int  // RTP: index into the stream's packets, -1 otherwise
	dup      bool // RTP: second copy
}

// packetWriter is pcapgo.Writer or pcapgo.NgWriter.
type packetWriter interface {
	WritePacket(ci gopacket.CaptureInfo, data []byte) error
}

// Write writes a capture of the streams to w, every stream's datagrams
// merged in arrival order (ties keep stream order), and returns the truth
// for each SSRC in stream order. The same arguments always produce the
// same bytes. Write buffers its output; w needs no buffering.
func Write(w io.Writer, opt Options, streams ...Stream) ([]StreamTruth, error) {
	if opt.Format != PCAP && opt.Format != PCAPNG {
		return nil, fmt.Errorf("%w: format %v", ErrOptions, opt.Format)
	}
	if opt.Link < 0 || int(opt.Link) >= len(linkNames) {
		return nil, fmt.Errorf("%w: link %v", ErrOptions, opt.Link)
	}
	if opt.FragmentMTU < 0 || opt.Noise < 0 || opt.VLAN > 0xfff || opt.OuterVLAN > 0xfff {
		return nil, fmt.Errorf("%w: fragment mtu %d, noise %d, vlan %d, outer vlan %d", ErrOptions, opt.FragmentMTU, opt.Noise, opt.VLAN, opt.OuterVLAN)
	}
	if opt.FragmentMTU > 0 && opt.FragmentMTU < 68 {
		return nil, fmt.Errorf("%w: fragment mtu %d is below the IPv4 minimum of 68", ErrOptions, opt.FragmentMTU)
	}
	start := opt.Start
	if start.IsZero() {
		start = DefaultStart()
	}
	quantum := time.Microsecond
	if opt.Nanosecond {
		quantum = time.Nanosecond
	}

	var (
		recs   []record
		truths []StreamTruth
		pkts   = make([][]rtpPacket, len(streams))
		segOf  = make([][]int, len(streams)) // segment -> truth index
	)
	for si := range streams {
		s := &streams[si]
		if err := s.validate(); err != nil {
			return nil, fmt.Errorf("stream %d: %w", si, err)
		}
		imp := newImpairer(s.Impair, s.SSRC, quantum)
		ps, segs, err := s.packets(seeded(s.Impair.Seed, s.SSRC, randSSRC))
		if err != nil {
			return nil, fmt.Errorf("stream %d: %w", si, err)
		}
		pkts[si] = ps
		tx, lost, dups, held := imp.apply(ps, segs)
		for gi, seg := range segs {
			segOf[si] = append(segOf[si], len(truths))
			firstP, lastP := ps[seg.first], ps[seg.first+seg.n-1]
			t := StreamTruth{
				Stream: si, SSRC: seg.ssrc, Src: s.Src, Dst: s.Dst, PayloadType: s.PayloadType,
				Generated: seg.n, Lost: lost[gi], Sent: seg.n - lost[gi], Duplicated: dups[gi], Reordered: held[gi],
				Packets: seg.n - lost[gi] + dups[gi], LostRFC3550: lost[gi] - dups[gi],
				FirstSeq: firstP.seq, LastSeq: lastP.seq, FirstTimestamp: firstP.ts, LastTimestamp: lastP.ts,
				SeqWraps: (int(firstP.seq) + seg.n - 1) >> 16,
			}
			for _, p := range ps[seg.first : seg.first+seg.n] {
				switch p.kind {
				case kindAudio:
					t.Audio++
				case kindDTMF:
					t.DTMF++
				case kindCN:
					t.ComfortNoise++
				}
			}
			truths = append(truths, t)
		}
		for _, t := range tx {
			p := &ps[t.pkt]
			recs = append(recs, record{at: t.at, src: s.Src, dst: s.Dst, payload: p.marshal(), stream: si, truth: segOf[si][p.seg], pkt: t.pkt, dup: t.dup})
		}
		if s.RTCP {
			rs, err := s.rtcpFor(start, ps, segs)
			if err != nil {
				return nil, fmt.Errorf("stream %d: %w", si, err)
			}
			src := netip.AddrPortFrom(s.Src.Addr(), s.Src.Port()+1)
			dst := netip.AddrPortFrom(s.Dst.Addr(), s.Dst.Port()+1)
			for _, r := range rs {
				recs = append(recs, record{at: r.at.Truncate(quantum), src: src, dst: dst, payload: r.data, stream: si, truth: segOf[si][r.seg], pkt: -1})
			}
		}
	}
	var end time.Duration
	for _, r := range recs {
		end = max(end, r.at)
	}
	for _, n := range noise(opt.Noise, opt.Seed, end, streams) {
		recs = append(recs, record{at: n.at.Truncate(quantum), src: n.src, dst: n.dst, payload: n.data, stream: -1, truth: -1, pkt: -1})
	}
	slices.SortStableFunc(recs, func(a, b record) int {
		switch {
		case a.at < b.at:
			return -1
		case a.at > b.at:
			return 1
		}
		return 0
	})

	bw := bufio.NewWriter(w)
	pw, flush, err := opt.newWriter(bw)
	if err != nil {
		return nil, err
	}
	fr := newFramer(&opt)
	maxIdx := make([]int, len(truths))
	for i := range maxIdx {
		maxIdx[i] = -1
	}
	for _, r := range recs {
		frames, err := fr.frames(r.src, r.dst, r.payload)
		if err != nil {
			return nil, err
		}
		ts := start.Add(r.at)
		for _, f := range frames {
			ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(f), Length: len(f)}
			if err := pw.WritePacket(ci, f); err != nil {
				return nil, fmt.Errorf("capgen: write packet: %w", err)
			}
		}
		if r.truth < 0 {
			continue
		}
		t := &truths[r.truth]
		if r.pkt < 0 {
			t.RTCP++
			continue
		}
		p := &pkts[r.stream][r.pkt]
		if len(t.Seqs) == 0 {
			t.First = ts
		}
		t.Last = ts
		t.Seqs = append(t.Seqs, p.seq)
		if !r.dup {
			if p.idx < maxIdx[r.truth] {
				t.OutOfOrder++
			}
			maxIdx[r.truth] = max(maxIdx[r.truth], p.idx)
		}
	}
	if err := flush(); err != nil {
		return nil, fmt.Errorf("capgen: flush: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("capgen: flush: %w", err)
	}
	return truths, nil
}

// newWriter writes the file header and returns the packet writer and a
// function that flushes it.
func (o *Options) newWriter(w io.Writer) (packetWriter, func() error, error) {
	lt := o.Link.LinkType()
	if o.Format == PCAPNG {
		nw, err := pcapgo.NewNgWriterInterface(w,
			pcapgo.NgInterface{Name: "capgen0", LinkType: lt, SnapLength: Snaplen, TimestampResolution: 9},
			pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "spitfilter capgen"}})
		if err != nil {
			return nil, nil, fmt.Errorf("capgen: pcapng header: %w", err)
		}
		return nw, nw.Flush, nil
	}
	pw := pcapgo.NewWriter(w)
	if o.Nanosecond {
		pw = pcapgo.NewWriterNanos(w)
	}
	if err := pw.WriteFileHeader(Snaplen, lt); err != nil {
		return nil, nil, fmt.Errorf("capgen: pcap header: %w", err)
	}
	return pw, func() error { return nil }, nil
}
