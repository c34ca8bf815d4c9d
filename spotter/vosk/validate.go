package vosk

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// defaultSampleRate is Kaldi's MFCC default, used when conf/mfcc.conf does not
// set --sample-frequency.
const defaultSampleRate = 16000

// The files a model needs, relative to its directory.
const (
	fileAM       = "am/final.mdl"
	fileMFCC     = "conf/mfcc.conf"
	fileHCLG     = "graph/HCLG.fst"
	fileHCLr     = "graph/HCLr.fst"
	fileGr       = "graph/Gr.fst"
	fileWordsTxt = "graph/words.txt"
)

// layout is what Validate learned about a model directory.
type layout struct {
	// rate is the sample rate in Hz the model's features are computed at.
	rate int
	// grammar reports whether recognizers can be restricted to a grammar:
	// libvosk needs a runtime graph (HCLr.fst + Gr.fst) and the word list
	// to build one, and uses HCLG.fst, ignoring any grammar, whenever that
	// file is present.
	grammar bool
}

// Validate checks that dir looks like a Vosk model that libvosk can load:
// am/final.mdl, conf/mfcc.conf, and a decoding graph (graph/HCLG.fst, or
// graph/HCLr.fst with graph/Gr.fst) must be regular files, and
// conf/mfcc.conf's --sample-frequency, when set, a positive whole number.
// The error is a [*ModelError] naming the directory and every missing file.
//
// Validate reads only conf/mfcc.conf; it cannot tell a corrupt model file
// from a good one.
func Validate(dir string) error {
	_, err := inspect(dir)
	return err
}

func inspect(dir string) (layout, error) {
	if dir == "" {
		return layout{}, &ModelError{Detail: "is not set (config field model:)", Err: ErrNoModel}
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return layout{}, &ModelError{Dir: dir, Detail: "does not exist", Err: errors.Join(ErrNoModel, err)}
	case err != nil:
		return layout{}, &ModelError{Dir: dir, Detail: "cannot be read: " + err.Error(), Err: errors.Join(ErrNoModel, err)}
	case !st.IsDir():
		return layout{}, &ModelError{Dir: dir, Detail: "is not a directory", Err: ErrNoModel}
	}

	has := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)))
		return err == nil && st.Mode().IsRegular()
	}
	var missing []string
	for _, f := range []string{fileAM, fileMFCC} {
		if !has(f) {
			missing = append(missing, f)
		}
	}
	hclg, hclr, gr := has(fileHCLG), has(fileHCLr), has(fileGr)
	if !hclg && !(hclr && gr) {
		switch {
		case hclr:
			missing = append(missing, fileGr+" (beside "+fileHCLr+")")
		case gr:
			missing = append(missing, fileHCLr+" (beside "+fileGr+")")
		default:
			missing = append(missing, fileHCLG+" (or "+fileHCLr+" with "+fileGr+")")
		}
	}
	if len(missing) > 0 {
		return layout{}, &ModelError{Dir: dir, Missing: missing, Err: ErrModelIncomplete}
	}

	rate, err := readSampleRate(dir)
	if err != nil {
		return layout{}, err
	}
	return layout{rate: rate, grammar: hclr && gr && !hclg && has(fileWordsTxt)}, nil
}

// readSampleRate returns the --sample-frequency of dir's conf/mfcc.conf, or
// defaultSampleRate when the file does not set it. Kaldi config files hold
// one --name=value a line; # starts a comment.
func readSampleRate(dir string) (int, error) {
	name := filepath.Join(dir, filepath.FromSlash(fileMFCC))
	f, err := os.Open(name)
	if err != nil {
		return 0, &ModelError{Dir: dir, Detail: "has an unreadable " + fileMFCC + ": " + err.Error(), Err: errors.Join(ErrModelConfig, err)}
	}
	defer f.Close()

	rate := defaultSampleRate
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text, _, _ := strings.Cut(sc.Text(), "#")
		key, value, ok := strings.Cut(strings.TrimSpace(text), "=")
		if !ok || strings.TrimSpace(key) != "--sample-frequency" {
			continue
		}
		value = strings.TrimSpace(value)
		hz, err := strconv.ParseFloat(value, 64)
		if err != nil || hz < 1 || hz > math.MaxInt32 || hz != math.Trunc(hz) {
			return 0, &ModelError{
				Dir:    dir,
				Detail: fmt.Sprintf("has a bad %s: line %d: --sample-frequency %q is not a whole number of Hz", fileMFCC, line, value),
				Err:    ErrModelConfig,
			}
		}
		rate = int(hz)
	}
	if err := sc.Err(); err != nil {
		return 0, &ModelError{Dir: dir, Detail: "has an unreadable " + fileMFCC + ": " + err.Error(), Err: errors.Join(ErrModelConfig, err)}
	}
	return rate, nil
}
