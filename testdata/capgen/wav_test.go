package capgen

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// wavFile encodes samples as a WAV file in a temporary directory.
func wavFile(t testing.TB, rate, channels, bits int, samples []int) []byte {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "a.wav"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := wav.NewEncoder(f, rate, bits, channels, 1)
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: channels, SampleRate: rate}, Data: samples, SourceBitDepth: bits}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadWAV(t *testing.T) {
	samples := []int{0, 1, -1, 32767, -32768, 1234}
	tests := []struct {
		name    string
		file    []byte
		want    []int16
		wantErr string
	}{
		{"8 kHz mono", wavFile(t, 8000, 1, 16, samples), []int16{0, 1, -1, 32767, -32768, 1234}, ""},
		{"16 kHz", wavFile(t, 16000, 1, 16, samples), nil, "sox in.wav -r 8000 -c 1 out.wav"},
		{"stereo", wavFile(t, 8000, 2, 16, samples), nil, "need mono"},
		{"8 bit", wavFile(t, 8000, 1, 8, []int{1, 2}), nil, "need 16"},
		{"not a wav", []byte("hello, this is text and not RIFF"), nil, "not a RIFF/WAVE file"},
		{"chunk larger than the file", []byte("RIFF$\x00\x00\x00WAVEdata\xff\xff\xff\xff"), nil, `chunk "data" at byte 12 declares 4294967295 bytes, the file has 0 left`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadWAV(bytes.NewReader(tt.file))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrWAV) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want ErrWAV mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// FuzzReadWAV checks that no input makes ReadWAV panic, and that whatever
// it accepts is 16-bit mono 8 kHz.
func FuzzReadWAV(f *testing.F) {
	f.Add(wavFile(f, 8000, 1, 16, []int{0, 100, -100}))
	f.Add(wavFile(f, 44100, 2, 16, []int{1, 2, 3, 4}))
	f.Add([]byte("RIFF\x24\x00\x00\x00WAVEfmt "))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadWAV(bytes.NewReader(b))
	})
}
