package rtpflow

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

// streamIndex maps keys to streams: a power-of-two array of buckets chained
// through Stream.hnext, indexed by a seeded multiply-mix hash of the Key. It
// is several times cheaper than a Go map on a 44-byte key, and grows (the
// only time it allocates) when it holds more streams than buckets. The seed
// is random per table, so colliding keys cannot be crafted in advance.
type streamIndex struct {
	buckets []*Stream
	n       int
	seed    uint64
}

func newStreamIndex() streamIndex {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails on Linux; a zero seed still works
	return streamIndex{buckets: make([]*Stream, 64), seed: binary.LittleEndian.Uint64(b[:]) | 1}
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

func (x *streamIndex) hash(src, dst *[16]byte, srcPort, dstPort uint16, ssrc uint32) uint64 {
	le := binary.LittleEndian
	h := mix(le.Uint64(src[:8])^x.seed, le.Uint64(src[8:]))
	h = mix(h^le.Uint64(dst[:8]), le.Uint64(dst[8:]))
	return mix(h^(uint64(srcPort)<<48|uint64(dstPort)<<32|uint64(ssrc)), x.seed)
}

func (x *streamIndex) slot(k *Key) **Stream {
	return &x.buckets[x.hash(&k.Src, &k.Dst, k.SrcPort, k.DstPort, k.SSRC)&uint64(len(x.buckets)-1)]
}

func (x *streamIndex) get(k *Key) *Stream {
	s := *x.slot(k)
	for s != nil && !s.Key.equal(k) {
		s = s.hnext
	}
	return s
}

// lookup is get for the key of datagram u with this SSRC, without
// building the Key.
func (x *streamIndex) lookup(u *packet.UDP, ssrc uint32) *Stream {
	// hash, written out: one call less per packet.
	le := binary.LittleEndian
	h := mix(le.Uint64(u.Src[:8])^x.seed, le.Uint64(u.Src[8:]))
	h = mix(h^le.Uint64(u.Dst[:8]), le.Uint64(u.Dst[8:]))
	h = mix(h^(uint64(u.SrcPort)<<48|uint64(u.DstPort)<<32|uint64(ssrc)), x.seed)
	s := x.buckets[h&uint64(len(x.buckets)-1)]
	for s != nil && (s.Key.SSRC != ssrc || s.Key.SrcPort != u.SrcPort || s.Key.DstPort != u.DstPort || s.Key.Src != u.Src || s.Key.Dst != u.Dst) {
		s = s.hnext
	}
	return s
}

func (x *streamIndex) put(s *Stream) {
	if x.n >= len(x.buckets) {
		x.grow()
	}
	b := x.slot(&s.Key)
	s.hnext, *b = *b, s
	x.n++
}

func (x *streamIndex) remove(s *Stream) {
	for p := x.slot(&s.Key); *p != nil; p = &(*p).hnext {
		if *p == s {
			*p, s.hnext = s.hnext, nil
			x.n--
			return
		}
	}
}

// grow doubles the buckets and rehashes every stream.
func (x *streamIndex) grow() {
	old := x.buckets
	x.buckets = make([]*Stream, 2*len(old))
	for _, s := range old {
		for s != nil {
			next := s.hnext
			b := x.slot(&s.Key)
			s.hnext, *b = *b, s
			s = next
		}
	}
}
