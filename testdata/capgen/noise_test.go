package capgen

import (
	"bytes"
	"net/netip"
	"testing"
)

func TestNoise(t *testing.T) {
	s := testStream(Impairments{})
	s.Audio = s.Audio[:SampleRate]
	capture, _ := write(t, Options{Noise: 20, Seed: 9}, s)
	ds, _ := readCapture(t, capture)
	sip, random := 0, 0
	for _, d := range ds {
		switch {
		case d.dst == s.Dst:
		case d.dst.Port() == sipPort && d.src.Port() == sipPort:
			if !bytes.HasPrefix(d.payload, []byte("OPTIONS sip:")) || !bytes.HasSuffix(d.payload, []byte("\r\n\r\n")) {
				t.Errorf("SIP noise %q", d.payload)
			}
			sip++
		case d.dst.Port() == discardPort:
			if p := d.src.Port(); p < 49152 || p == s.Src.Port() || p == s.Dst.Port() {
				t.Errorf("noise from port %d", p)
			}
			random++
		default:
			t.Errorf("unexpected datagram %v -> %v", d.src, d.dst)
		}
	}
	if sip != 10 || random != 10 {
		t.Errorf("%d SIP and %d random datagrams, want 10 and 10", sip, random)
	}
	// Without streams, noise still has somewhere to go.
	nd := noise(3, 1, 0, nil)
	if len(nd) != 3 || nd[0].src.Addr() != netip.MustParseAddr("192.0.2.10") {
		t.Errorf("noise without streams: %v", nd)
	}
}
