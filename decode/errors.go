package decode

import "errors"

var (
	// ErrNotWAV is returned by [ReadWAV] when the input is not a RIFF/WAVE
	// file with a format chunk.
	ErrNotWAV = errors.New("decode: not a WAV file")

	// ErrUnsupportedWAV is returned by [ReadWAV] for a WAV file that is not
	// 16-bit mono linear PCM.
	ErrUnsupportedWAV = errors.New("decode: unsupported WAV format")

	// ErrSampleRate is returned by [WAVWriter] methods when the writer was
	// made with a sample rate that is not positive.
	ErrSampleRate = errors.New("decode: invalid sample rate")

	// ErrWAVTooLong is returned by [WAVWriter.Write] when the data would no
	// longer fit the 32-bit sizes of a WAV header.
	ErrWAVTooLong = errors.New("decode: WAV data too long")

	// ErrClosed is returned by [WAVWriter.Write] after [WAVWriter.Close].
	ErrClosed = errors.New("decode: WAV writer closed")
)
