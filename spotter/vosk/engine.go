//go:build !novosk

package vosk

import (
	"fmt"
	"sync"
	"unsafe"

	vosk "github.com/alphacep/vosk-api/go"

	"github.com/spitfilter/spitfilter/spotter"
)

// Engine is a loaded Vosk model. It implements [spotter.Engine]: one Engine
// is shared by all streams, each with its own recognizer.
type Engine struct {
	dir    string
	rate   int
	layout layout

	mu    sync.RWMutex // guards model against Close
	model *vosk.VoskModel
}

var _ spotter.Engine = (*Engine)(nil)

// Open validates cfg.Model (see [Validate]) and loads it with libvosk. The
// model stays loaded until Close.
func Open(cfg Config) (*Engine, error) {
	l, err := inspect(cfg.Model)
	if err != nil {
		return nil, err
	}
	rate := cfg.SampleRate
	switch {
	case rate == 0:
		rate = l.rate
	case rate < l.rate:
		return nil, fmt.Errorf("%w: config sample rate %d Hz is below the %d Hz of model %s (%s); resample the audio to %d Hz",
			ErrSampleRate, rate, l.rate, cfg.Model, fileMFCC, l.rate)
	}
	if !cfg.KaldiLog {
		vosk.SetLogLevel(-1)
	}
	m, err := vosk.NewModel(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("%w: loading model %s: %v", ErrLoad, cfg.Model, err)
	}
	if isNil(unsafe.Pointer(m)) {
		return nil, fmt.Errorf("%w: could not load model %s (a model file may be corrupt; run with KaldiLog for libvosk's reason); %s",
			ErrLoad, cfg.Model, modelHelp)
	}
	return &Engine{dir: cfg.Model, rate: rate, layout: l, model: m}, nil
}

// isNil reports whether the binding value at p, a struct whose only field is
// the C pointer libvosk returned (VoskModel, VoskRecognizer in
// github.com/alphacep/vosk-api/go v0.3.45), holds NULL. The binding returns
// libvosk's NULL without an error, and any later call on it crashes the
// process.
func isNil(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }

// Name returns "vosk".
func (e *Engine) Name() string { return "vosk" }

// SampleRate returns the rate in Hz the recognizers expect their PCM at.
func (e *Engine) SampleRate() int { return e.rate }

// Dir returns the model directory.
func (e *Engine) Dir() string { return e.dir }

// Knows reports whether the model can recognise word (lower case). It is
// false after Close.
func (e *Engine) Knows(word string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.model != nil && word != "" && e.model.FindWord(word) >= 0
}

// modelFinder adapts the binding's model to finder.
type modelFinder struct{ m *vosk.VoskModel }

func (f modelFinder) FindWord(w string) int { return f.m.FindWord(w) }

// NewRecognizer makes a recognizer for one stream. Every word of every
// phrase must be in the model's vocabulary, in every mode: an unknown word is
// a [*VocabularyError] (several are joined). Keyword mode needs a model that
// takes grammars (see the package doc) and knows "[unk]"; ModeAuto chooses
// keyword mode when it can and there are phrases, full mode otherwise.
// ModeBoth is PocketSphinx's only. It is safe for concurrent use.
func (e *Engine) NewRecognizer(v spotter.Vocabulary) (spotter.Recognizer, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.model == nil {
		return nil, ErrClosed
	}
	f := modelFinder{e.model}
	phrases, err := checkPhrases(f, v.Phrases, e.dir)
	if err != nil {
		return nil, err
	}
	keyword, err := e.keywordMode(f, v.Mode, len(phrases))
	if err != nil {
		return nil, err
	}

	var rec *vosk.VoskRecognizer
	if keyword {
		rec, err = vosk.NewRecognizerGrm(e.model, float64(e.rate), grammarJSON(phrases))
	} else {
		rec, err = vosk.NewRecognizer(e.model, float64(e.rate))
	}
	if err == nil && isNil(unsafe.Pointer(rec)) {
		err = fmt.Errorf("libvosk returned no recognizer")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: new recognizer for model %s: %v", ErrLoad, e.dir, err)
	}
	rec.SetWords(1)
	rec.SetPartialWords(1)
	return &Recognizer{rec: rec, rate: float64(e.rate)}, nil
}

// keywordMode resolves mode for this model: true for a grammar of the
// phrases, false for full recognition.
func (e *Engine) keywordMode(f finder, mode spotter.Mode, phrases int) (bool, error) {
	canGrammar := e.layout.grammar && f.FindWord(unkWord) >= 0
	switch mode {
	case spotter.ModeAuto:
		return canGrammar && phrases > 0, nil
	case spotter.ModeFull:
		return false, nil
	case spotter.ModeKeyword:
		switch {
		case phrases == 0:
			return false, fmt.Errorf("%w: keyword mode needs at least one banned phrase", ErrMode)
		case !e.layout.grammar:
			return false, fmt.Errorf("%w: keyword mode needs a model with a runtime graph (%s, %s and %s, no %s); model %s has none, use mode full",
				ErrMode, fileHCLr, fileGr, fileWordsTxt, fileHCLG, e.dir)
		case !canGrammar:
			return false, fmt.Errorf("%w: keyword mode needs the word %s in the model's vocabulary, or every sound would be heard as a banned phrase; model %s has none, use mode full",
				ErrMode, unkWord, e.dir)
		}
		return true, nil
	default:
		return false, fmt.Errorf("%w: %q (vosk has %q, %q and auto)", ErrMode, string(mode), spotter.ModeKeyword, spotter.ModeFull)
	}
}

// Close releases the model. libvosk counts references, so recognizers not
// yet closed keep working until they are. Close is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.model != nil {
		e.model.Free()
		e.model = nil
	}
	return nil
}
