package decode

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

const (
	wavBitDepth  = 16
	wavChannels  = 1
	wavFormatPCM = 1 // WAVE_FORMAT_PCM
	// wavMaxSamples keeps the data chunk, and the RIFF size that counts
	// the 36 header bytes before it, within 32 bits.
	wavMaxSamples = (1<<32 - 1 - 36 - 8) / 2
	// wavMaxRate keeps the header's byte rate (2 bytes a sample) within
	// 32 bits.
	wavMaxRate = (1<<32 - 1) / 2
)

// A WAVWriter writes 16-bit mono linear PCM as a WAV file, with
// github.com/go-audio/wav. The header's sizes are provisional until
// [WAVWriter.Close] goes back and fills them in, which is why it needs an
// io.WriteSeeker. A WAVWriter must not be used by several goroutines at once.
type WAVWriter struct {
	enc      *wav.Encoder
	rate     int
	buf      audio.IntBuffer // reused conversion buffer
	samples  int64
	started  bool  // the header and data chunk header have been written
	closed   bool  // Close has run
	err      error // sticky: the first error, returned from then on
	closeErr error // what Close returned, returned again by later calls
}

// NewWAVWriter returns a WAVWriter that writes a 16-bit mono PCM WAV file at
// sampleRate samples per second (8000 for G.711, 16000 after an
// [Upsampler]) to w. Nothing is written until the first Write or Close. A
// sampleRate that is not positive makes Write and Close return
// [ErrSampleRate], as does one above 2147483647 (the byte rate would not
// fit the header).
func NewWAVWriter(w io.WriteSeeker, sampleRate int) *WAVWriter {
	ww := &WAVWriter{rate: sampleRate}
	if sampleRate <= 0 || sampleRate > wavMaxRate {
		ww.err = fmt.Errorf("%w: %d samples per second, want 1 to %d", ErrSampleRate, sampleRate, wavMaxRate)
		return ww
	}
	// wav.NewEncoder preallocates a minute of audio at the rate it is
	// given (1.9 MB at 16 kHz). Give it 1 Hz, so that its buffer grows
	// only to the largest Write, and set the real rate, which it reads
	// from this exported field when it writes the header.
	ww.enc = wav.NewEncoder(w, 1, wavBitDepth, wavChannels, wavFormatPCM)
	ww.enc.SampleRate = sampleRate
	ww.buf.Format = &audio.Format{NumChannels: wavChannels, SampleRate: sampleRate}
	ww.buf.SourceBitDepth = wavBitDepth
	return ww
}

// Write appends samples to the file. After a failed Write the writer is
// unusable: Write and Close return the same error from then on. Write after
// Close returns [ErrClosed].
func (w *WAVWriter) Write(samples []int16) error {
	if w.closed {
		return ErrClosed
	}
	if w.err != nil {
		return w.err
	}
	if w.samples+int64(len(samples)) > wavMaxSamples {
		w.err = fmt.Errorf("%w: %d samples written, %d more would exceed the format's limit of %d",
			ErrWAVTooLong, w.samples, len(samples), wavMaxSamples)
		return w.err
	}
	if len(samples) == 0 && w.started {
		return nil
	}
	data := w.buf.Data[:0]
	for _, s := range samples {
		data = append(data, int(s))
	}
	w.buf.Data = data
	if err := w.enc.Write(&w.buf); err != nil {
		w.err = fmt.Errorf("decode: writing WAV samples: %w", err)
		return w.err
	}
	w.started = true
	w.samples += int64(len(samples))
	return nil
}

// Close writes the final sizes into the header, leaving a complete file
// (a valid, empty one if no samples were written), and returns w's write
// position to the end of the data. It does not close the underlying writer
// (but it does Sync it when it is an *os.File, as go-audio/wav does). Close
// is idempotent: later calls return what the first returned.
func (w *WAVWriter) Close() error {
	if w.closed {
		return w.closeErr
	}
	w.closed = true
	w.closeErr = w.finish()
	return w.closeErr
}

// finish does Close's work.
func (w *WAVWriter) finish() error {
	if w.err != nil {
		return w.err
	}
	if !w.started {
		// go-audio/wav writes its headers with the first buffer only.
		w.buf.Data = w.buf.Data[:0]
		if err := w.enc.Write(&w.buf); err != nil {
			return fmt.Errorf("decode: writing WAV header: %w", err)
		}
		w.started = true
	}
	if err := w.enc.Close(); err != nil {
		return fmt.Errorf("decode: finishing WAV header: %w", err)
	}
	return nil
}

// ReadWAV reads a whole 16-bit mono linear PCM WAV file from r with
// github.com/go-audio/wav and returns its samples and sample rate. It is
// meant for tests and tools, not for the packet path: it reads everything
// into memory. A file that is not RIFF/WAVE yields [ErrNotWAV]; one with
// another sample format or channel count yields [ErrUnsupportedWAV].
func ReadWAV(r io.ReadSeeker) ([]int16, int, error) {
	if err := checkChunkSizes(r); err != nil {
		return nil, 0, err
	}
	d := wav.NewDecoder(r)
	d.ReadInfo()
	if err := d.Err(); err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrNotWAV, err)
	}
	if d.NumChans == 0 {
		return nil, 0, fmt.Errorf("%w: no format chunk", ErrNotWAV)
	}
	if d.WavAudioFormat != wavFormatPCM || d.BitDepth != wavBitDepth || d.NumChans != wavChannels {
		return nil, 0, fmt.Errorf("%w: format %d, %d bits, %d channels; want linear PCM (format 1), 16 bits, 1 channel",
			ErrUnsupportedWAV, d.WavAudioFormat, d.BitDepth, d.NumChans)
	}
	if d.SampleRate == 0 || d.SampleRate > wavMaxRate {
		return nil, 0, fmt.Errorf("%w: sample rate %d", ErrUnsupportedWAV, d.SampleRate)
	}
	buf, err := d.FullPCMBuffer()
	if err != nil {
		return nil, 0, fmt.Errorf("%w: reading samples: %w", ErrNotWAV, err)
	}
	out := make([]int16, len(buf.Data))
	for i, v := range buf.Data {
		out[i] = int16(v)
	}
	return out, int(d.SampleRate), nil
}

// checkChunkSizes walks the chunk headers of the RIFF file at r's position,
// in the order go-audio/wav reads them, up to the data chunk, and rejects a
// chunk that claims more bytes than the file has left: go-audio/wav
// allocates such claims in one piece (up to 4 GiB for a forged fmt chunk).
// It leaves r where it found it.
func checkChunkSizes(r io.ReadSeeker) error {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotWAV, err)
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrNotWAV, err)
	}
	defer r.Seek(start, io.SeekStart)
	var hdr [8]byte
	for off := start + 12; off+8 <= end; {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("%w: %w", ErrNotWAV, err)
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return fmt.Errorf("%w: %w", ErrNotWAV, err)
		}
		if string(hdr[:4]) == "data" {
			return nil // read incrementally; a size past the end is harmless
		}
		size := int64(binary.LittleEndian.Uint32(hdr[4:]))
		if left := end - off - 8; size > left {
			return fmt.Errorf("%w: chunk %q at byte %d claims %d bytes, the file has %d left",
				ErrNotWAV, hdr[:4], off, size, left)
		}
		off += 8 + size
	}
	return nil
}
