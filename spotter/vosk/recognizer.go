//go:build !novosk

package vosk

import (
	"fmt"
	"unsafe"

	vosk "github.com/alphacep/vosk-api/go"

	"github.com/spitfilter/spitfilter/spotter"
)

// maxChunk bounds the samples handed to libvosk in one call, whose length
// argument is a C int of bytes.
const maxChunk = 1 << 24

// Recognizer is one stream's Vosk recognizer; it implements
// [spotter.Recognizer]. It is used by one goroutine at a time.
//
// libvosk ends an utterance by itself at a long enough pause (an endpoint).
// Recognizer collects the words of each such piece, so that an utterance in
// the spotter sense runs from one Final or Reset to the next whatever
// libvosk's endpoints, with word times measured from its first sample.
type Recognizer struct {
	rec  *vosk.VoskRecognizer
	rate float64

	fed      int64 // samples fed since the recognizer was made
	uttStart int64 // fed when the current utterance began
	pending  []spotter.Word
	res      voskResult // reused for decoding results
}

var _ spotter.Recognizer = (*Recognizer)(nil)

// origin is the start of the current utterance in libvosk's time base:
// seconds since the recognizer was made.
func (r *Recognizer) origin() float64 { return float64(r.uttStart) / r.rate }

// Write feeds pcm, 16-bit mono at the engine's sample rate. It does not keep
// pcm. When libvosk reports an endpoint, the words up to it are kept for
// Partial and Final.
func (r *Recognizer) Write(pcm []int16) error {
	if r.rec == nil {
		return ErrClosed
	}
	for len(pcm) > 0 {
		n := min(len(pcm), maxChunk)
		// libvosk reads the bytes as C shorts in host byte order, which is
		// exactly how pcm lies in memory: hand it over without a copy. (The
		// binding copies it once more, into C memory, for the call.)
		b := unsafe.Slice((*byte)(unsafe.Pointer(&pcm[0])), 2*n)
		got := r.rec.AcceptWaveform(b)
		r.fed += int64(n)
		pcm = pcm[n:]
		switch got {
		case 0:
		case 1:
			var err error
			r.pending, err = appendWords(r.pending, &r.res, r.rec.Result(), false, r.origin())
			if err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: libvosk rejected %d samples at sample %d of the stream (code %d)", ErrDecode, n, r.fed-int64(n), got)
		}
	}
	return nil
}

// Partial appends the words of the utterance so far: those before libvosk's
// last endpoint, then its current partial guess, with times.
func (r *Recognizer) Partial(dst []spotter.Word) []spotter.Word {
	if r.rec == nil {
		return dst
	}
	dst = append(dst, r.pending...)
	out, err := appendWords(dst, &r.res, r.rec.PartialResult(), true, r.origin())
	if err != nil {
		return dst // a partial guess is only a guess: drop a bad one
	}
	return out
}

// Final ends the utterance and appends all its words to dst.
func (r *Recognizer) Final(dst []spotter.Word) ([]spotter.Word, error) {
	if r.rec == nil {
		return dst, ErrClosed
	}
	dst = append(dst, r.pending...)
	dst, err := appendWords(dst, &r.res, r.rec.FinalResult(), false, r.origin())
	r.pending = r.pending[:0]
	r.uttStart = r.fed
	return dst, err
}

// Reset drops the current utterance without a result.
func (r *Recognizer) Reset() {
	if r.rec == nil {
		return
	}
	r.rec.Reset()
	r.pending = r.pending[:0]
	r.uttStart = r.fed
}

// Close frees the recognizer. It is idempotent.
func (r *Recognizer) Close() error {
	if r.rec != nil {
		r.rec.Free()
		r.rec = nil
	}
	return nil
}
