package decode_test

import (
	"fmt"
	"os"

	"github.com/spitfilter/spitfilter/decode"
)

func ExampleDecodeULaw() {
	payload := []byte{0xFF, 0x7F, 0x80, 0x00, 0xF0} // part of an RTP payload, type 0
	pcm := make([]int16, len(payload))
	n := decode.DecodeULaw(pcm, payload)
	fmt.Println(n, pcm)
	// Output: 5 [0 0 32124 -32124 120]
}

func ExampleCodec() {
	payload := []byte{0xD5, 0x55, 0x2A}
	c := decode.CodecForPayloadType(8) // from the RTP header
	pcm := c.AppendDecode(nil, payload)
	fmt.Println(c, pcm, fmt.Sprintf("%#x", c.Silence()))
	// Output: PCMA [8 -8 -32256] 0xd5
}

func ExampleUpsampler() {
	u := decode.NewUpsampler() // one per stream
	var wide []int16
	// Two 20 ms frames of a 1 kHz tone at 8 kHz (8 samples a cycle).
	for range 2 {
		frame := make([]int16, 160)
		for i := range frame {
			frame[i] = []int16{0, 7071, 10000, 7071, 0, -7071, -10000, -7071}[i%8]
		}
		wide = u.AppendProcess(wide, frame)
	}
	fmt.Println(len(wide), "samples at 16 kHz; the first", u.Delay(), "are the filter starting up")
	// Output sample 2n+Delay() is input sample n (here n = 80, the start of
	// a cycle); the samples in between are interpolated on the sine.
	m := 2*80 + u.Delay()
	fmt.Println(wide[m : m+8])
	// Output:
	// 640 samples at 16 kHz; the first 32 are the filter starting up
	// [0 3827 7071 9239 10000 9239 7071 3827]
}

func ExampleWAVWriter() {
	f, err := os.CreateTemp("", "stream-*.wav")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.Remove(f.Name())
	defer f.Close()

	w := decode.NewWAVWriter(f, 8000)
	if err := w.Write(decode.AppendDecodeULaw(nil, []byte{0xFF, 0x80, 0x00})); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Close(); err != nil { // writes the sizes into the header
		fmt.Println(err)
		return
	}

	if _, err := f.Seek(0, 0); err != nil {
		fmt.Println(err)
		return
	}
	samples, rate, err := decode.ReadWAV(f)
	fmt.Println(samples, rate, err)
	// Output: [0 32124 -32124] 8000 <nil>
}
