package models

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// psAcousticFiles are the files of a PocketSphinx acoustic model directory
// besides the mixture weights (sendump or mixture_weights).
var psAcousticFiles = []string{"feat.params", "mdef", "means", "variances", "transition_matrices"}

// ValidatePocketSphinx checks that dir holds a PocketSphinx model and
// describes it. Debian's pocketsphinx-en-us lays one out as
//
//	/usr/share/pocketsphinx/model/en-us/
//	    en-us/               acoustic model: feat.params, mdef, means,
//	                         variances, transition_matrices, sendump
//	    cmudict-en-us.dict   pronunciation dictionary
//	    en-us.lm.bin         language model (en-us-phone.lm.bin is a phone
//	                         model, not used for words)
//
// The acoustic model is dir itself when it holds mdef, else the subdirectory
// that does (the one named like dir's language when several do). It must
// hold feat.params, mdef, means, variances, transition_matrices, and sendump
// or mixture_weights. The dictionary is a *.dict or *.dic file, the language
// model a *.lm.bin, *.lm or *.DMP file other than a phone model, both in dir
// (or in the acoustic directory). The sample rate is feat.params' -samprate.
func ValidatePocketSphinx(dir string) (*Model, error) {
	dir, err := checkDir(PocketSphinx, dir)
	if err != nil {
		return nil, err
	}
	acoustic, err := psAcoustic(dir)
	if err != nil {
		return nil, err
	}
	rel := func(name string) string { return relSlash(dir, filepath.Join(acoustic, name)) }
	for _, f := range psAcousticFiles {
		if err := require(PocketSphinx, dir, rel(f)); err != nil {
			return nil, err
		}
	}
	if !exists(acoustic, "sendump") && !exists(acoustic, "mixture_weights") {
		return nil, &MissingFileError{Engine: PocketSphinx, Dir: dir, Problem: "missing",
			File: rel("sendump") + " or " + rel("mixture_weights")}
	}
	lang := filepath.Base(acoustic)
	dict := psPick(lang, []string{dir, acoustic}, ".dict", ".dic")
	if dict == "" {
		return nil, &MissingFileError{Engine: PocketSphinx, Dir: dir, Problem: "missing",
			File: "a pronunciation dictionary (*.dict or *.dic)"}
	}
	lm := psPick(lang, []string{dir, acoustic}, ".lm.bin", ".lm", ".dmp")
	if lm == "" {
		return nil, &MissingFileError{Engine: PocketSphinx, Dir: dir, Problem: "missing",
			File: "a word language model (*.lm.bin, *.lm or *.DMP)"}
	}
	params := filepath.Join(acoustic, "feat.params")
	b, err := os.ReadFile(params)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidModel, err)
	}
	rate, err := parseFeatParams(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBadConfig, params, err)
	}
	size, err := treeSize(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: pocketsphinx model %s: %w", ErrInvalidModel, dir, err)
	}
	return &Model{Engine: PocketSphinx, Name: filepath.Base(dir), Path: dir, SampleRate: rate,
		Acoustic: acoustic, Dict: dict, LM: lm, Size: size}, nil
}

// psAcoustic finds the acoustic model directory in dir.
func psAcoustic(dir string) (string, error) {
	if fileState(dir, "mdef") != "missing" || fileState(dir, "feat.params") != "missing" {
		return dir, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("%w: pocketsphinx model %s: %w", ErrInvalidModel, dir, err)
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if fileState(sub, "mdef") != "missing" || fileState(sub, "feat.params") != "missing" {
			found = append(found, sub)
		}
	}
	if len(found) == 0 {
		return "", &MissingFileError{Engine: PocketSphinx, Dir: dir, Problem: "missing",
			File: "an acoustic model directory (with feat.params, mdef, means, variances, transition_matrices, sendump)"}
	}
	// Prefer the one named as dir is (en-us/en-us), else the first by name.
	for _, sub := range found {
		if filepath.Base(sub) == filepath.Base(dir) {
			return sub, nil
		}
	}
	return found[0], nil
}

// psPick returns the best file in dirs whose name ends in one of exts
// (case-insensitive, in order of preference): the one named lang+ext,
// else the first by name that is not a phone model ("-phone"), else "".
func psPick(lang string, dirs []string, exts ...string) string {
	for _, ext := range exts {
		var names []string
		for _, d := range slices.Compact(dirs) {
			entries, err := os.ReadDir(d)
			if err != nil {
				continue
			}
			for _, e := range entries {
				name := strings.ToLower(e.Name())
				if !strings.HasSuffix(name, ext) || strings.HasPrefix(name, ".") || !exists(d, e.Name()) {
					continue
				}
				if strings.Contains(name, "-phone") {
					continue
				}
				if name == strings.ToLower(lang)+ext {
					return filepath.Join(d, e.Name())
				}
				names = append(names, filepath.Join(d, e.Name()))
			}
		}
		if len(names) > 0 {
			return names[0]
		}
	}
	return ""
}

// relSlash is path relative to dir, slash-separated, for messages.
func relSlash(dir, path string) string {
	r, err := filepath.Rel(dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(r)
}
