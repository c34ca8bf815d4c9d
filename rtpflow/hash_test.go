package rtpflow

import (
	"testing"

	"github.com/spitfilter/spitfilter/rtpflow/packet"
)

func TestStreamIndex(t *testing.T) {
	x := newStreamIndex()
	x.seed = 0 // deterministic; correctness must not depend on the seed
	var all []*Stream
	for i := 0; i < 5000; i++ {
		s := &Stream{Key: Key{SrcPort: uint16(i), SSRC: uint32(i * 7)}}
		x.put(s)
		all = append(all, s)
	}
	for _, s := range all {
		if got := x.get(&s.Key); got != s {
			t.Fatalf("get %v = %p, want %p", s.Key, got, s)
		}
	}
	for i, s := range all {
		if i%2 == 0 {
			x.remove(s)
		}
	}
	for i, s := range all {
		got := x.get(&s.Key)
		if (i%2 == 0) != (got == nil) {
			t.Fatalf("after removal, get %v = %p", s.Key, got)
		}
	}
	if x.n != 2500 {
		t.Errorf("n = %d, want 2500", x.n)
	}
	x.remove(all[0]) // removing twice is harmless
	if x.n != 2500 {
		t.Errorf("n = %d after a second removal, want 2500", x.n)
	}
}

// TestStreamIndexLookup checks lookup, which reads the key from a datagram,
// finds exactly the stream get finds, for keys that differ in one field
// each, in an index whose seed puts them all in one bucket chain or not.
func TestStreamIndexLookup(t *testing.T) {
	base := Key{Src: [16]byte{10: 0xff, 11: 0xff, 12: 192, 15: 1}, Dst: [16]byte{10: 0xff, 11: 0xff, 12: 198, 15: 2}, SrcPort: 4000, DstPort: 30000, SSRC: 7}
	keys := map[string]Key{"base": base}
	for name, change := range map[string]func(*Key){
		"src": func(k *Key) { k.Src[15]++ }, "src-high": func(k *Key) { k.Src[0] = 0x20 },
		"dst": func(k *Key) { k.Dst[15]++ }, "dst-high": func(k *Key) { k.Dst[3] = 1 },
		"src-port": func(k *Key) { k.SrcPort++ }, "dst-port": func(k *Key) { k.DstPort++ },
		"ssrc": func(k *Key) { k.SSRC++ }, "swapped": func(k *Key) { k.Src, k.Dst, k.SrcPort, k.DstPort = k.Dst, k.Src, k.DstPort, k.SrcPort },
	} {
		k := base
		change(&k)
		keys[name] = k
	}
	for _, oneBucket := range []bool{false, true} {
		x := newStreamIndex()
		if oneBucket {
			x.buckets = make([]*Stream, 1) // every key in one chain
		}
		streams := map[string]*Stream{}
		for name, k := range keys {
			if name == "ssrc" {
				continue // left out: must not be found
			}
			s := &Stream{Key: k}
			streams[name] = s
			if oneBucket { // put would grow the buckets
				s.hnext, x.buckets[0] = x.buckets[0], s
				continue
			}
			x.put(s)
		}
		for name, k := range keys {
			u := &packet.UDP{Src: k.Src, Dst: k.Dst, SrcPort: k.SrcPort, DstPort: k.DstPort}
			got, want := x.lookup(u, k.SSRC), streams[name]
			if got != want || x.get(&k) != want {
				t.Errorf("one bucket %v: %s: lookup = %p, get = %p, want %p", oneBucket, name, got, x.get(&k), want)
			}
		}
	}
}
