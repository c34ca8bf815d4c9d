package models

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrInvalidModel is wrapped by every error that says a directory is not
	// a usable model; [*MissingFileError] unwraps to it.
	ErrInvalidModel = errors.New("models: invalid model")

	// ErrNotFound is returned by [Locate] when no usable model was found.
	ErrNotFound = errors.New("models: no model found")

	// ErrUnknownEngine is returned for an engine name other than "vosk" and
	// "pocketsphinx".
	ErrUnknownEngine = errors.New("models: unknown engine")

	// ErrBadConfig is wrapped by errors about a model's configuration files
	// (conf/mfcc.conf, feat.params) that cannot be parsed. It wraps
	// ErrInvalidModel.
	ErrBadConfig = fmt.Errorf("%w: bad configuration", ErrInvalidModel)

	// ErrUnknownModel is returned by [Fetcher.Fetch] for a name the model
	// list does not have; the error is a [*UnknownModelError].
	ErrUnknownModel = errors.New("models: unknown model")

	// ErrBadCatalog is wrapped by errors about a model list that is not the
	// expected JSON array, or an entry of it that cannot be fetched.
	ErrBadCatalog = errors.New("models: bad model list")

	// ErrDownload is wrapped by errors of the download itself: HTTP status,
	// short or oversized body.
	ErrDownload = errors.New("models: download failed")

	// ErrChecksum is wrapped when a downloaded archive's MD5 or SHA-256 is
	// not the expected one.
	ErrChecksum = errors.New("models: checksum mismatch")

	// ErrUnsafeArchive is wrapped when an archive entry would land outside
	// the target directory (absolute path, "..", a symlink pointing out) or
	// the archive is larger than the bound.
	ErrUnsafeArchive = errors.New("models: unsafe archive")

	// ErrExists is wrapped when the directory a fetched model would be
	// renamed to already exists.
	ErrExists = errors.New("models: model directory exists")
)

// Where to get models, for error messages.
const (
	voskModelsPage = "https://alphacephei.com/vosk/models"
	fetchHint      = "spitcheck models fetch NAME"
	psPackage      = "apt-get install pocketsphinx-en-us"
)

// MissingFileError says which file a model directory lacks.
type MissingFileError struct {
	// Engine is the engine the directory was checked for.
	Engine Engine
	// Dir is the model directory.
	Dir string
	// File is the missing file relative to Dir (slash-separated), or a
	// description of alternatives ("graph/HCLG.fst or graph/HCLr.fst").
	File string
	// Problem is "missing", or what else is wrong with File ("empty",
	// "a directory").
	Problem string
}

func (e *MissingFileError) Error() string {
	var hint string
	switch e.Engine {
	case Vosk:
		hint = "get a model from " + voskModelsPage + " or run `" + fetchHint + "`"
	case PocketSphinx:
		hint = "install Debian's model with `" + psPackage + "`"
	}
	if e.Problem == "" || e.Problem == "missing" {
		return fmt.Sprintf("models: %s model %s lacks %s; %s", e.Engine, e.Dir, e.File, hint)
	}
	return fmt.Sprintf("models: %s model %s: %s is %s; %s", e.Engine, e.Dir, e.File, e.Problem, hint)
}

// Unwrap makes errors.Is(err, ErrInvalidModel) true.
func (e *MissingFileError) Unwrap() error { return ErrInvalidModel }

// UnknownModelError is returned by [Fetcher.Fetch] for a name that is not in
// the model list.
type UnknownModelError struct {
	// Name is the name asked for.
	Name string
	// Close are the listed names nearest to Name, best first (at most 5).
	Close []string
	// ListURL is the model list that was searched.
	ListURL string
}

func (e *UnknownModelError) Error() string {
	msg := fmt.Sprintf("models: %q is not in the model list %s", e.Name, e.ListURL)
	if len(e.Close) > 0 {
		msg += "; did you mean " + strings.Join(e.Close, ", ") + "?"
	}
	return msg
}

// Unwrap makes errors.Is(err, ErrUnknownModel) true.
func (e *UnknownModelError) Unwrap() error { return ErrUnknownModel }
