package spotter

import (
	"fmt"
	"time"
)

// Kind is what sort of rule matched.
type Kind string

const (
	KindWord    Kind = "word"    // a single banned word
	KindPhrase  Kind = "phrase"  // a banned phrase of several words
	KindPattern Kind = "pattern" // a regular expression over the transcript
)

// Detection is banned speech found in a stream. It carries no audio and no
// transcript beyond the matched text.
type Detection struct {
	Rule       string  // the rule's name: the phrase, or the pattern's name
	Kind       Kind    // word, phrase or pattern
	Text       string  // the words that matched, normalised
	Action     string  // the rule's action (mute, bleep, drop, mark, log)
	Confidence float64 // the lowest confidence of the matched words, 0 to 1
	// Start and End are measured from the stream's first sample.
	Start, End time.Duration
	// At is the stream time when the detection was made: how much audio
	// had been written. At minus End is the detection's latency.
	At time.Duration
	// Partial is true when the detection came from a hypothesis the
	// recognizer had not finished; the daemon acts on these for speed.
	Partial bool
}

func (d Detection) String() string {
	return fmt.Sprintf("%s %q at %.2f-%.2fs (%s, confidence %.2f)", d.Kind, d.Text, d.Start.Seconds(), d.End.Seconds(), d.Rule, d.Confidence)
}
