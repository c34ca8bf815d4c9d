package decode

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"
)

// writeWAVFile writes the chunks with a WAVWriter to a new file and returns
// its path.
func writeWAVFile(t *testing.T, rate int, chunks ...[]int16) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewWAVWriter(f, rate)
	for _, c := range chunks {
		if err := w.Write(c); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

func randomPCM(seed uint64, n int) []int16 {
	rng := rand.New(rand.NewPCG(seed, seed))
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(rng.Uint32())
	}
	return s
}

func TestWAVRoundTrip(t *testing.T) {
	extremes := []int16{-32768, -1, 0, 1, 32767}
	tests := []struct {
		name   string
		rate   int
		chunks [][]int16
	}{
		{"empty-8k", 8000, nil},
		{"empty-write-16k", 16000, [][]int16{{}}},
		{"extremes-8k", 8000, [][]int16{extremes}},
		{"frames-16k", 16000, [][]int16{randomPCM(1, 320), {}, randomPCM(2, 320), randomPCM(3, 17)}},
		{"one-second-8k", 8000, [][]int16{randomPCM(4, 8000)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := slices.Concat(tt.chunks...)
			path := writeWAVFile(t, tt.rate, tt.chunks...)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(data), 44+2*len(want); got != want {
				t.Errorf("file is %d bytes, want %d (44-byte header + 2 per sample)", got, want)
			}

			t.Run("go-audio", func(t *testing.T) {
				d := wav.NewDecoder(bytes.NewReader(data))
				buf, err := d.FullPCMBuffer()
				if err != nil {
					t.Fatal(err)
				}
				if d.SampleRate != uint32(tt.rate) || d.NumChans != 1 || d.BitDepth != 16 || d.WavAudioFormat != 1 {
					t.Errorf("header: %d Hz, %d channels, %d bits, format %d; want %d Hz, 1, 16, 1",
						d.SampleRate, d.NumChans, d.BitDepth, d.WavAudioFormat, tt.rate)
				}
				got := make([]int16, len(buf.Data))
				for i, v := range buf.Data {
					got[i] = int16(v)
				}
				if diff := diffSamples(want, got); diff != "" {
					t.Errorf("samples (-want +got):\n%s", diff)
				}
			})
			t.Run("ReadWAV", func(t *testing.T) {
				got, rate, err := ReadWAV(bytes.NewReader(data))
				if err != nil {
					t.Fatal(err)
				}
				if rate != tt.rate {
					t.Errorf("rate %d, want %d", rate, tt.rate)
				}
				if diff := diffSamples(want, got); diff != "" {
					t.Errorf("samples (-want +got):\n%s", diff)
				}
			})
			t.Run("sox", func(t *testing.T) {
				sox := soxPath(t)
				for _, q := range []struct{ flag, want string }{
					{"-r", strconv.Itoa(tt.rate)},
					{"-c", "1"},
					{"-b", "16"},
					{"-e", "Signed Integer PCM"},
					{"-s", strconv.Itoa(len(want))},
				} {
					out, err := exec.Command(sox, "--i", q.flag, path).CombinedOutput()
					if err != nil {
						t.Fatalf("sox --i %s: %v\n%s", q.flag, err, out)
					}
					if got := strings.TrimSpace(string(out)); got != q.want {
						t.Errorf("sox --i %s = %q, want %q", q.flag, got, q.want)
					}
				}
			})
		})
	}
}

func TestWAVWriterClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "close.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewWAVWriter(f, 8000)
	if err := w.Write([]int16{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("idempotent", func(t *testing.T) {
		if err := w.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
		again, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Errorf("second Close changed the file:\n-% x\n+% x", first, again)
		}
	})
	t.Run("write-after-close", func(t *testing.T) {
		if err := w.Write([]int16{4}); !errors.Is(err, ErrClosed) {
			t.Errorf("Write after Close = %v, want ErrClosed", err)
		}
	})
	t.Run("leaves-writer-open-at-end", func(t *testing.T) {
		// The file is still open and positioned after the data.
		if _, err := f.Write([]byte("LIST")); err != nil {
			t.Fatalf("writing to the file after Close: %v", err)
		}
		after, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if want := append(slices.Clone(first), "LIST"...); !bytes.Equal(after, want) {
			t.Errorf("file after appending:\n-% x\n+% x", want, after)
		}
	})
}

func TestWAVWriterHighRate(t *testing.T) {
	// go-audio/wav alone would preallocate a minute of audio at this
	// rate (257 GB).
	var f fileBuffer
	w := NewWAVWriter(&f, math.MaxInt32)
	if err := w.Write([]int16{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, rate, err := ReadWAV(bytes.NewReader(f.b))
	if err != nil || rate != math.MaxInt32 || !slices.Equal(got, []int16{1, 2}) {
		t.Errorf("ReadWAV = %v, %d, %v; want [1 2], %d, nil", got, rate, err, math.MaxInt32)
	}
}

func TestWAVWriterBadRate(t *testing.T) {
	for _, rate := range []int{0, -8000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			var f fileBuffer
			w := NewWAVWriter(&f, rate)
			if err := w.Write([]int16{1}); !errors.Is(err, ErrSampleRate) {
				t.Errorf("Write = %v, want ErrSampleRate", err)
			}
			if err := w.Close(); !errors.Is(err, ErrSampleRate) {
				t.Errorf("Close = %v, want ErrSampleRate", err)
			}
			if len(f.b) != 0 {
				t.Errorf("wrote %d bytes, want none", len(f.b))
			}
		})
	}
}

// fileBuffer is an in-memory io.ReadWriteSeeker (bytes.Reader cannot be
// written, bytes.Buffer cannot seek).
type fileBuffer struct {
	b   []byte
	off int64
}

func (f *fileBuffer) Write(p []byte) (int, error) {
	if grow := f.off + int64(len(p)) - int64(len(f.b)); grow > 0 {
		f.b = append(f.b, make([]byte, grow)...)
	}
	copy(f.b[f.off:], p)
	f.off += int64(len(p))
	return len(p), nil
}

func (f *fileBuffer) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += int64(len(f.b))
	}
	if offset < 0 {
		return 0, errors.New("negative offset")
	}
	f.off = offset
	return offset, nil
}

// failingWriter fails every write after the first limit bytes.
type failingWriter struct {
	fileBuffer
	limit int64
}

var errDiskFull = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.off+int64(len(p)) > f.limit {
		return 0, errDiskFull
	}
	return f.fileBuffer.Write(p)
}

func TestWAVWriterWriteError(t *testing.T) {
	f := &failingWriter{limit: 100}
	w := NewWAVWriter(f, 8000)
	if err := w.Write(make([]int16, 10)); err != nil { // 44 + 20 bytes fit
		t.Fatalf("first Write: %v", err)
	}
	if err := w.Write(make([]int16, 100)); !errors.Is(err, errDiskFull) {
		t.Fatalf("Write past the limit = %v, want the writer's error", err)
	}
	if err := w.Write(make([]int16, 1)); !errors.Is(err, errDiskFull) {
		t.Errorf("Write after a failure = %v, want the same error again", err)
	}
	if err := w.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close after a failure = %v, want the same error again", err)
	}
}

// encodeWAV writes samples with go-audio/wav in any format, for ReadWAV's
// error cases.
func encodeWAV(t *testing.T, rate, bits, channels, format int, samples []int) []byte {
	t.Helper()
	var f fileBuffer
	enc := wav.NewEncoder(&f, rate, bits, channels, format)
	buf := &audio.IntBuffer{Data: samples, Format: &audio.Format{NumChannels: channels, SampleRate: rate}, SourceBitDepth: bits}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return f.b
}

func TestReadWAVErrors(t *testing.T) {
	good := encodeWAV(t, 8000, 16, 1, 1, []int{1, 2, 3, 4})
	noData := slices.Clone(good[:36]) // RIFF header and fmt chunk only
	zeroRate := slices.Clone(good)
	clear(zeroRate[24:28]) // the fmt chunk's sample rate (go-audio's encoder cannot write 0)
	tests := []struct {
		name    string
		data    []byte
		wantErr error
	}{
		{"empty", nil, ErrNotWAV},
		{"text", []byte("this is not a wav file at all, not even close"), ErrNotWAV},
		{"riff-without-fmt", []byte("RIFF\x04\x00\x00\x00WAVE"), ErrNotWAV},
		{"no-data-chunk", noData, ErrNotWAV},
		{"stereo", encodeWAV(t, 8000, 16, 2, 1, []int{1, 2, 3, 4}), ErrUnsupportedWAV},
		{"8-bit", encodeWAV(t, 8000, 8, 1, 1, []int{1, 2, 3, 4}), ErrUnsupportedWAV},
		{"24-bit", encodeWAV(t, 8000, 24, 1, 1, []int{1, 2, 3, 4}), ErrUnsupportedWAV},
		{"mu-law-format", encodeWAV(t, 8000, 16, 1, 7, []int{1, 2, 3, 4}), ErrUnsupportedWAV},
		{"zero-rate", zeroRate, ErrUnsupportedWAV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadWAV(bytes.NewReader(tt.data))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ReadWAV = %v, want %v", err, tt.wantErr)
			}
			t.Logf("%v", err)
		})
	}
	t.Run("good", func(t *testing.T) {
		got, rate, err := ReadWAV(bytes.NewReader(good))
		if err != nil || rate != 8000 || !slices.Equal(got, []int16{1, 2, 3, 4}) {
			t.Errorf("ReadWAV = %v, %d, %v; want [1 2 3 4], 8000, nil", got, rate, err)
		}
	})
}
