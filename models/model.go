package models

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Engine names a recognizer engine as the config spells it.
type Engine string

// The engines models are found for.
const (
	Vosk         Engine = "vosk"
	PocketSphinx Engine = "pocketsphinx"
)

// ParseEngine returns the engine named s ("vosk" or "pocketsphinx").
func ParseEngine(s string) (Engine, error) {
	switch e := Engine(s); e {
	case Vosk, PocketSphinx:
		return e, nil
	}
	return "", fmt.Errorf("%w %q: want vosk or pocketsphinx", ErrUnknownEngine, s)
}

// Model describes a model directory that holds everything its engine loads.
type Model struct {
	// Engine is the engine that loads the model.
	Engine Engine
	// Name is the model directory's base name ("vosk-model-small-en-us-0.15",
	// "en-us").
	Name string
	// Path is the model directory, absolute and clean.
	Path string
	// SampleRate is the rate in Hz the model expects its audio at: Vosk's
	// --sample-frequency from conf/mfcc.conf, PocketSphinx's -samprate from
	// feat.params; 16000 when the file does not say.
	SampleRate int
	// Acoustic, Dict and LM are the PocketSphinx acoustic model directory,
	// pronunciation dictionary and language model, absolute. Empty for Vosk.
	Acoustic, Dict, LM string
	// Size is the total size in bytes of the regular files under Path.
	Size int64
}

// defaultSampleRate is the rate a model has when its configuration does not
// name one: Kaldi's MfccOptions default and PocketSphinx's -samprate default.
const defaultSampleRate = 16000

// Validate checks that dir holds a complete model for engine e and describes
// it. A missing or empty file is reported as a [*MissingFileError]; every
// error wraps [ErrInvalidModel] or, for an unknown engine, [ErrUnknownEngine].
func Validate(e Engine, dir string) (*Model, error) {
	switch e {
	case Vosk:
		return ValidateVosk(dir)
	case PocketSphinx:
		return ValidatePocketSphinx(dir)
	}
	return nil, fmt.Errorf("%w %q: want vosk or pocketsphinx", ErrUnknownEngine, string(e))
}

// checkDir makes dir absolute and checks that it is a directory.
func checkDir(e Engine, dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("%w: %s model directory is an empty path", ErrInvalidModel, e)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("%w: %s model directory %s: %w", ErrInvalidModel, e, dir, err)
	}
	fi, err := os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s model directory %s does not exist", ErrInvalidModel, e, abs)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s model directory: %w", ErrInvalidModel, e, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%w: %s model path %s is not a directory", ErrInvalidModel, e, abs)
	}
	return abs, nil
}

// fileState says whether rel under dir is a non-empty regular file ("" when
// it is) or what is wrong with it.
func fileState(dir, rel string) string {
	fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case err != nil:
		return err.Error()
	case fi.IsDir():
		return "a directory"
	case !fi.Mode().IsRegular():
		return "not a regular file"
	case fi.Size() == 0:
		return "empty"
	}
	return ""
}

// exists reports whether rel under dir is a non-empty regular file.
func exists(dir, rel string) bool { return fileState(dir, rel) == "" }

// require returns a *MissingFileError when rel under dir is not a non-empty
// regular file.
func require(e Engine, dir, rel string) error {
	state := fileState(dir, rel)
	if state == "" {
		return nil
	}
	return &MissingFileError{Engine: e, Dir: dir, File: rel, Problem: state}
}

// treeSize adds up the sizes of the regular files under dir, not following
// symlinks.
func treeSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}
