package spotter

import "time"

// Word is one word a recognizer heard.
type Word struct {
	// Text is the word as the engine's dictionary spells it, lower case
	// ("cruise", "one"); alternative pronunciations carry no "(2)" suffix.
	Text string
	// Start and End are measured from the first sample of the current
	// utterance (the audio fed since the recognizer was made, or since the
	// last Final or Reset).
	Start, End time.Duration
	// Confidence is the engine's posterior for the word, 0 to 1.
	Confidence float64
}

// Mode says how a recognizer listens.
type Mode string

const (
	// ModeAuto lets the engine choose the mode that measures best for it.
	ModeAuto Mode = ""
	// ModeKeyword listens only for the banned phrases: a grammar of the
	// phrases plus a garbage word for Vosk, keyword spotting for PocketSphinx.
	ModeKeyword Mode = "keyword"
	// ModeFull recognises everything with the model's language model; the
	// matcher then searches the transcript (patterns need this).
	ModeFull Mode = "full"
	// ModeBoth runs keyword spotting and full recognition side by side and
	// reports the words of both (PocketSphinx only).
	ModeBoth Mode = "both"
)

// Vocabulary is what a recognizer listens for.
type Vocabulary struct {
	// Phrases are the banned words and phrases, lower case, words separated
	// by single spaces, numbers spelled out as words ("press one").
	Phrases []string
	// Mode is how to listen; ModeAuto means the engine's best.
	Mode Mode
}

// Engine is a loaded speech model. It is loaded once and shared: it makes one
// Recognizer per stream, and NewRecognizer is safe for concurrent use.
type Engine interface {
	// Name is the engine's name as the config spells it: "vosk", "pocketsphinx".
	Name() string
	// SampleRate is the rate in Hz the recognizers expect their PCM at.
	SampleRate() int
	// Knows reports whether word is in the model's vocabulary. A banned word
	// the model cannot recognise is a configuration error.
	Knows(word string) bool
	// NewRecognizer makes a recognizer for one stream.
	NewRecognizer(v Vocabulary) (Recognizer, error)
	// Close releases the model. Recognizers must be closed first.
	Close() error
}

// Recognizer turns one stream's speech into words. It is used by one
// goroutine at a time.
type Recognizer interface {
	// Write feeds 16-bit mono PCM at the engine's sample rate to the
	// current utterance; the first Write after Final or Reset starts a new
	// one. Write does not keep pcm.
	Write(pcm []int16) error
	// Partial appends the current best guess for the utterance so far to
	// dst. It may change as more audio comes; engines that cannot time
	// partial words append nothing.
	Partial(dst []Word) []Word
	// Final ends the utterance and appends its final words to dst.
	Final(dst []Word) ([]Word, error)
	// Reset drops the current utterance without a result.
	Reset()
	// Close releases the recognizer. It is idempotent.
	Close() error
}
