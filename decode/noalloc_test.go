package decode

import "testing"

// TestNoAllocs proves that the per-packet work (decoding, encoding,
// upsampling, filling losses) allocates nothing once dst has capacity.
func TestNoAllocs(t *testing.T) {
	frame := make([]byte, 160)
	for i := range frame {
		frame[i] = byte(i * 7)
	}
	pcm := make([]int16, 160)
	codes := make([]byte, 160)
	buf := make([]int16, 0, 640)
	cbuf := make([]byte, 0, 160)
	up := NewUpsampler()
	tests := []struct {
		name string
		f    func()
	}{
		{"DecodeULaw", func() { DecodeULaw(pcm, frame) }},
		{"DecodeALaw", func() { DecodeALaw(pcm, frame) }},
		{"AppendDecodeULaw", func() { buf = AppendDecodeULaw(buf[:0], frame) }},
		{"AppendDecodeALaw", func() { buf = AppendDecodeALaw(buf[:0], frame) }},
		{"Codec.Decode", func() { PCMA.Decode(pcm, frame) }},
		{"Codec.AppendDecode", func() { buf = PCMU.AppendDecode(buf[:0], frame) }},
		{"EncodeULaw", func() { EncodeULaw(codes, pcm) }},
		{"EncodeALaw", func() { EncodeALaw(codes, pcm) }},
		{"Codec.AppendEncode", func() { cbuf = PCMU.AppendEncode(cbuf[:0], pcm) }},
		{"AppendSilence", func() { buf = AppendSilence(buf[:0], 160) }},
		{"Upsampler.AppendProcess", func() { buf = up.AppendProcess(buf[:0], pcm) }},
		{"decode-and-upsample", func() { buf = up.AppendProcess(buf[:0], PCMU.AppendDecode(pcm[:0], frame)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.f); n != 0 {
				t.Errorf("%v allocations per call, want 0", n)
			}
		})
	}
}
