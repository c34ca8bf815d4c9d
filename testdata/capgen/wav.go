package capgen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/go-audio/wav"
)

// MaxWAVBytes bounds the WAV files ReadWAV accepts (about 65 minutes of
// 8 kHz 16-bit audio).
const MaxWAVBytes = 64 << 20

// ReadWAV reads a mono 16-bit PCM WAV file sampled at 8 kHz and returns
// its samples (a new slice). Any other rate, width or channel count is an
// error wrapping ErrWAV that tells how to convert the file with sox.
func ReadWAV(r io.Reader) ([]int16, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxWAVBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrWAV, err)
	}
	if len(b) > MaxWAVBytes {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrWAV, MaxWAVBytes)
	}
	if err := checkRIFF(b); err != nil {
		return nil, err
	}
	d := wav.NewDecoder(bytes.NewReader(b))
	if !d.IsValidFile() {
		return nil, fmt.Errorf("%w: not a RIFF/WAVE file (%v)", ErrWAV, d.Err())
	}
	const fix = "convert it with: sox in.wav -r 8000 -c 1 -b 16 out.wav"
	switch {
	case d.WavAudioFormat != 1:
		return nil, fmt.Errorf("%w: audio format %d is not integer PCM (1); %s", ErrWAV, d.WavAudioFormat, fix)
	case d.NumChans != 1:
		return nil, fmt.Errorf("%w: %d channels, need mono; %s", ErrWAV, d.NumChans, fix)
	case d.BitDepth != 16:
		return nil, fmt.Errorf("%w: %d bits per sample, need 16; %s", ErrWAV, d.BitDepth, fix)
	case d.SampleRate != SampleRate:
		return nil, fmt.Errorf("%w: sample rate %d Hz, need %d Hz; resample with: sox in.wav -r 8000 -c 1 out.wav", ErrWAV, d.SampleRate, SampleRate)
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		return nil, fmt.Errorf("%w: reading samples: %v", ErrWAV, err)
	}
	out := make([]int16, len(buf.Data))
	for i, v := range buf.Data {
		out[i] = int16(v)
	}
	return out, nil
}

// checkRIFF walks the RIFF chunk headers and rejects a chunk that claims
// more bytes than the file holds, before go-audio/wav (which trusts the
// sizes and allocates by them) sees the file.
func checkRIFF(b []byte) error {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return fmt.Errorf("%w: not a RIFF/WAVE file (%d bytes, no RIFF....WAVE header)", ErrWAV, len(b))
	}
	for off := 12; off+8 <= len(b); {
		size := int64(binary.LittleEndian.Uint32(b[off+4:]))
		left := int64(len(b) - off - 8)
		if size > left {
			return fmt.Errorf("%w: chunk %q at byte %d declares %d bytes, the file has %d left", ErrWAV, b[off:off+4], off, size, left)
		}
		off += 8 + int(size) + int(size&1)
	}
	return nil
}
