package rtpflow

import "testing"

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
