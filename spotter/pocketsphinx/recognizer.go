package pocketsphinx

import (
	"time"

	"github.com/spitfilter/spitfilter/spotter"
)

// frame is PocketSphinx's frame period (-frate 100).
const frame = 10 * time.Millisecond

// Recognizer is one stream's decoders: keyword spotting, full recognition
// or both fed the same audio.
type Recognizer struct {
	kws, full *decoder
	ds        []*decoder // the ones in use, in order
	segs      []seg
}

// Write feeds 16 kHz PCM to the decoders.
func (r *Recognizer) Write(pcm []int16) error {
	for _, d := range r.ds {
		if err := d.process(pcm); err != nil {
			return err
		}
	}
	return nil
}

// Partial appends the words heard so far in the utterance.
func (r *Recognizer) Partial(dst []spotter.Word) []spotter.Word {
	for _, d := range r.ds {
		if !d.inUtt {
			continue
		}
		r.segs = d.segments(r.segs[:0])
		dst = appendWords(dst, r.segs)
	}
	return dst
}

// Final ends the utterance and appends its words.
func (r *Recognizer) Final(dst []spotter.Word) ([]spotter.Word, error) {
	for _, d := range r.ds {
		if !d.inUtt {
			continue
		}
		if err := d.end(); err != nil {
			return dst, err
		}
		r.segs = d.segments(r.segs[:0])
		dst = appendWords(dst, r.segs)
	}
	return dst, nil
}

// Reset drops the utterance.
func (r *Recognizer) Reset() {
	for _, d := range r.ds {
		d.end()
	}
}

// Close frees the decoders.
func (r *Recognizer) Close() error {
	if r.kws != nil {
		r.kws.free()
		r.kws = nil
	}
	if r.full != nil {
		r.full.free()
		r.full = nil
	}
	r.ds = nil
	return nil
}

func appendWords(dst []spotter.Word, segs []seg) []spotter.Word {
	for _, s := range segs {
		conf := s.prob
		if conf > 1 {
			conf = 1
		}
		dst = append(dst, spotter.Word{
			Text:       s.word,
			Start:      time.Duration(s.sf) * frame,
			End:        time.Duration(s.ef+1) * frame,
			Confidence: conf,
		})
	}
	return dst
}

var _ spotter.Recognizer = (*Recognizer)(nil)
