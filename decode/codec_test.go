package decode

import (
	"slices"
	"testing"
)

func TestCodecForPayloadType(t *testing.T) {
	tests := []struct {
		name string
		pt   uint8
		want Codec
	}{
		{"pcmu", 0, PCMU},
		{"gsm", 3, Unknown},
		{"pcma", 8, PCMA},
		{"g722", 9, Unknown},
		{"comfort-noise", 13, Unknown},
		{"dynamic", 101, Unknown},
		{"out-of-range", 200, Unknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CodecForPayloadType(tt.pt); got != tt.want {
				t.Errorf("CodecForPayloadType(%d) = %v, want %v", tt.pt, got, tt.want)
			}
		})
	}
}

func TestCodecProperties(t *testing.T) {
	tests := []struct {
		codec   Codec
		name    string
		silence byte
		pt      uint8
		ptOK    bool
	}{
		{Unknown, "unknown", 0, 0, false},
		{PCMU, "PCMU", 0xFF, 0, true},
		{PCMA, "PCMA", 0xD5, 8, true},
		{Codec(9), "Codec(9)", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.codec.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			if got := tt.codec.Silence(); got != tt.silence {
				t.Errorf("Silence() = %#x, want %#x", got, tt.silence)
			}
			pt, ok := tt.codec.PayloadType()
			if pt != tt.pt || ok != tt.ptOK {
				t.Errorf("PayloadType() = %d, %v, want %d, %v", pt, ok, tt.pt, tt.ptOK)
			}
			if ok && CodecForPayloadType(pt) != tt.codec {
				t.Errorf("CodecForPayloadType(%d) = %v, want %v", pt, CodecForPayloadType(pt), tt.codec)
			}
		})
	}
}

func TestCodecSilenceIsQuiet(t *testing.T) {
	for _, c := range []Codec{PCMU, PCMA} {
		t.Run(c.String(), func(t *testing.T) {
			frame := slices.Repeat([]byte{c.Silence()}, 160)
			pcm := c.AppendDecode(nil, frame)
			// The quietest level each law has: 0 for µ-law, ±8 for A-law.
			for i, s := range pcm {
				if s < -8 || s > 8 {
					t.Fatalf("sample %d of a silent frame is %d", i, s)
				}
			}
			// Encoding digital silence gives the silence byte back
			// (A-law encodes 0 as its smallest positive code, 0xD5).
			if got := c.AppendEncode(nil, make([]int16, 3)); !slices.Equal(got, []byte{c.Silence(), c.Silence(), c.Silence()}) {
				t.Errorf("encoding zeros gave % x, want %#x each", got, c.Silence())
			}
		})
	}
}

func TestCodecDispatch(t *testing.T) {
	src := allCodes()
	for _, law := range g711Laws {
		t.Run(law.name, func(t *testing.T) {
			want := make([]int16, len(src))
			law.decode(want, src)
			got := make([]int16, len(src))
			if n := law.codec.Decode(got, src); n != len(src) {
				t.Fatalf("Decode returned %d, want %d", n, len(src))
			}
			if d := diffSamples(want, got); d != "" {
				t.Errorf("Decode (-want +got):\n%s", d)
			}
			wantCodes := make([]byte, len(want))
			law.encode(wantCodes, want)
			gotCodes := make([]byte, len(want))
			if n := law.codec.Encode(gotCodes, want); n != len(want) {
				t.Fatalf("Encode returned %d, want %d", n, len(want))
			}
			if d := diffSamples(wantCodes, gotCodes); d != "" {
				t.Errorf("Encode (-want +got):\n%s", d)
			}
		})
	}
	t.Run("unknown", func(t *testing.T) {
		dst := []int16{7}
		if n := Unknown.Decode(dst, src); n != 0 || dst[0] != 7 {
			t.Errorf("Unknown.Decode wrote %d samples (dst %v), want none", n, dst)
		}
		if got := Unknown.AppendDecode(dst, src); !slices.Equal(got, []int16{7}) {
			t.Errorf("Unknown.AppendDecode = %v, want dst unchanged", got)
		}
		if n := Unknown.Encode(nil, []int16{1}); n != 0 {
			t.Errorf("Unknown.Encode wrote %d bytes, want 0", n)
		}
		if got := Unknown.AppendEncode([]byte{1}, []int16{1}); !slices.Equal(got, []byte{1}) {
			t.Errorf("Unknown.AppendEncode = %v, want dst unchanged", got)
		}
	})
}
