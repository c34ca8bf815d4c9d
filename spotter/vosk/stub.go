//go:build novosk

package vosk

import "github.com/spitfilter/spitfilter/spotter"

// Engine stands in for the Vosk engine in a build without libvosk (-tags
// novosk). [Open] always fails with [ErrNoVosk], so no Engine is ever made;
// its methods exist so that callers build unchanged.
type Engine struct{}

var _ spotter.Engine = (*Engine)(nil)

// Open returns [ErrNoVosk]: this build has no Vosk support.
func Open(Config) (*Engine, error) { return nil, ErrNoVosk }

// Name returns "vosk".
func (e *Engine) Name() string { return "vosk" }

// SampleRate returns 0.
func (e *Engine) SampleRate() int { return 0 }

// Dir returns "".
func (e *Engine) Dir() string { return "" }

// Knows returns false.
func (e *Engine) Knows(string) bool { return false }

// NewRecognizer returns [ErrNoVosk].
func (e *Engine) NewRecognizer(spotter.Vocabulary) (spotter.Recognizer, error) {
	return nil, ErrNoVosk
}

// Close does nothing.
func (e *Engine) Close() error { return nil }
