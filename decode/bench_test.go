package decode

import (
	"io"
	"testing"

	"github.com/zaf/g711"
)

// benchFrame is one 20 ms G.711 frame at 8 kHz.
func benchFrame() []byte {
	frame := make([]byte, 160)
	for i := range frame {
		frame[i] = byte(i * 37)
	}
	return frame
}

// BenchmarkDecodeULawFrame compares this package's µ-law decoding of one
// 20 ms frame with github.com/zaf/g711's own DecodeUlaw, which returns
// little-endian bytes in a new slice. Same frame, same run.
func BenchmarkDecodeULawFrame(b *testing.B) {
	frame := benchFrame()
	b.Run("decode", func(b *testing.B) {
		dst := make([]int16, len(frame))
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			DecodeULaw(dst, frame)
		}
	})
	b.Run("zaf-g711", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			_ = g711.DecodeUlaw(frame)
		}
	})
}

func BenchmarkDecodeALawFrame(b *testing.B) {
	frame := benchFrame()
	b.Run("decode", func(b *testing.B) {
		dst := make([]int16, len(frame))
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			DecodeALaw(dst, frame)
		}
	})
	b.Run("zaf-g711", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		b.ReportAllocs()
		for b.Loop() {
			_ = g711.DecodeAlaw(frame)
		}
	})
}

func BenchmarkEncodeULawFrame(b *testing.B) {
	pcm := AppendDecodeULaw(nil, benchFrame())
	dst := make([]byte, len(pcm))
	b.SetBytes(int64(len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		EncodeULaw(dst, pcm)
	}
}

// BenchmarkUpsamplerFrame upsamples one 20 ms frame: 160 samples at 8 kHz
// in, 320 at 16 kHz out.
func BenchmarkUpsamplerFrame(b *testing.B) {
	pcm := AppendDecodeULaw(nil, benchFrame())
	u := NewUpsampler()
	dst := make([]int16, 0, 2*len(pcm))
	b.SetBytes(int64(2 * len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		dst = u.AppendProcess(dst[:0], pcm)
	}
}

// BenchmarkWAVWriterFrame writes one 20 ms frame at 16 kHz.
func BenchmarkWAVWriterFrame(b *testing.B) {
	pcm := make([]int16, 320)
	w := NewWAVWriter(discardSeeker{}, 16000)
	b.SetBytes(int64(2 * len(pcm)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(pcm); err != nil {
			b.Fatal(err)
		}
	}
}

// discardSeeker is an io.WriteSeeker that keeps nothing.
type discardSeeker struct{}

func (discardSeeker) Write(p []byte) (int, error)    { return io.Discard.Write(p) }
func (discardSeeker) Seek(int64, int) (int64, error) { return 0, nil }
