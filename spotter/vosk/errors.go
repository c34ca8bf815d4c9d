package vosk

import (
	"errors"
	"fmt"
	"strings"
)

// modelHelp says where models come from; it ends every model error.
const modelHelp = `get a model from https://alphacephei.com/vosk/models or run "spitcheck models fetch NAME"`

var (
	// ErrNoVosk is returned by [Open] in a build made with -tags novosk.
	ErrNoVosk = errors.New("vosk: this build has no Vosk support (built with -tags novosk)")

	// ErrNoModel is returned by [Open] and [Validate] when no model
	// directory is given, or it does not exist.
	ErrNoModel = errors.New("vosk: no model")

	// ErrModelIncomplete is wrapped by a [*ModelError] when a file the
	// model needs is missing.
	ErrModelIncomplete = errors.New("vosk: model incomplete")

	// ErrModelConfig is wrapped by a [*ModelError] when conf/mfcc.conf
	// cannot be read or has a bad sample frequency.
	ErrModelConfig = errors.New("vosk: bad model configuration")

	// ErrLoad is returned by [Open] when libvosk could not load a model
	// that passed [Validate] (a corrupt file, say), and by
	// [Engine.NewRecognizer] when libvosk could not make a recognizer.
	ErrLoad = errors.New("vosk: libvosk failed")

	// ErrSampleRate is returned by [Open] for a configured sample rate the
	// model cannot take.
	ErrSampleRate = errors.New("vosk: unusable sample rate")

	// ErrNotInVocabulary is wrapped by every [*VocabularyError].
	ErrNotInVocabulary = errors.New("vosk: word not in the model's vocabulary")

	// ErrPhrase is returned by [Engine.NewRecognizer] for a banned phrase
	// with no words.
	ErrPhrase = errors.New("vosk: bad banned phrase")

	// ErrMode is returned by [Engine.NewRecognizer] for a mode this engine
	// does not have, or one the model cannot do.
	ErrMode = errors.New("vosk: unsupported mode")

	// ErrClosed is returned when an engine or recognizer is used after
	// Close.
	ErrClosed = errors.New("vosk: closed")

	// ErrDecode is returned by Write when libvosk reports an error for the
	// audio fed.
	ErrDecode = errors.New("vosk: decoding failed")
)

// ModelError says what is wrong with a model directory.
type ModelError struct {
	// Dir is the model directory as given.
	Dir string
	// Missing lists the files (relative to Dir) that should be there and
	// are not; empty when the problem is not a missing file.
	Missing []string
	// Detail, when set, replaces the list of missing files in the message.
	Detail string
	// Err is ErrNoModel, ErrModelIncomplete or ErrModelConfig, possibly
	// joined with the file system error behind it.
	Err error
}

func (e *ModelError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vosk: model directory %q ", e.Dir)
	switch {
	case e.Detail != "":
		b.WriteString(e.Detail)
	case len(e.Missing) > 0:
		b.WriteString("has no " + strings.Join(e.Missing, ", "))
	default:
		b.WriteString("is not usable")
	}
	b.WriteString("; " + modelHelp)
	return b.String()
}

func (e *ModelError) Unwrap() error { return e.Err }

// VocabularyError is returned by [Engine.NewRecognizer] when a banned phrase
// has a word the model cannot recognise: such a phrase could never be heard.
type VocabularyError struct {
	Word   string // the unknown word
	Phrase string // the banned phrase it is part of
	Dir    string // the model directory
}

func (e *VocabularyError) Error() string {
	return fmt.Sprintf("vosk: banned word %q (in %q) is not in the model's vocabulary (%s)", e.Word, e.Phrase, e.Dir)
}

func (e *VocabularyError) Unwrap() error { return ErrNotInVocabulary }
