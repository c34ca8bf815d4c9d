package rtpflow

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
)

// streamIndex maps keys to streams. It hashes a Key with a seeded
// multiply-mix (far cheaper than the runtime's hashing of a 44-byte key) into
// a map of uint64, and chains the rare collisions through Stream.hnext. The
// seed is random per table, so colliding keys cannot be crafted in advance.
type streamIndex struct {
	m    map[uint64]*Stream
	n    int
	seed uint64
}

func newStreamIndex() streamIndex {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails on Linux; a zero seed still works
	return streamIndex{m: make(map[uint64]*Stream), seed: binary.LittleEndian.Uint64(b[:]) | 1}
}

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a^0xa0761d6478bd642f, b^0xe7037ed1a0b428db)
	return hi ^ lo
}

func (x *streamIndex) hash(k *Key) uint64 {
	le := binary.LittleEndian
	h := mix(le.Uint64(k.Src[:8])^x.seed, le.Uint64(k.Src[8:]))
	h = mix(h^le.Uint64(k.Dst[:8]), le.Uint64(k.Dst[8:]))
	return mix(h^(uint64(k.SrcPort)<<48|uint64(k.DstPort)<<32|uint64(k.SSRC)), x.seed)
}

func (x *streamIndex) get(k *Key) *Stream {
	s := x.m[x.hash(k)]
	for s != nil && s.Key != *k {
		s = s.hnext
	}
	return s
}

func (x *streamIndex) put(s *Stream) {
	h := x.hash(&s.Key)
	s.hnext = x.m[h]
	x.m[h] = s
	x.n++
}

func (x *streamIndex) remove(s *Stream) {
	h := x.hash(&s.Key)
	p := x.m[h]
	if p == s {
		if s.hnext == nil {
			delete(x.m, h)
		} else {
			x.m[h] = s.hnext
		}
	} else {
		for p != nil && p.hnext != s {
			p = p.hnext
		}
		if p == nil {
			return
		}
		p.hnext = s.hnext
	}
	s.hnext = nil
	x.n--
}
