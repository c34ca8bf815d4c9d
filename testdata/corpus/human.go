package corpus

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DefaultSphinxData is where Debian's pocketsphinx-testdata package puts
// its recordings of human speech.
const DefaultSphinxData = "/usr/share/pocketsphinx/test/data"

// human is a recording of real speech used as a negative item: one or more
// files from pocketsphinx-testdata joined with pauses.
type human struct {
	Name  string   // item ID suffix
	Files []string // relative to the data directory
	Text  string   // what is said, when the package's transcription tells
}

// humanSources returns the pocketsphinx-testdata recordings, in the order
// items take them. The .wav files are 16 kHz mono RIFF; the .raw files are
// headerless 16 kHz 16-bit signed little-endian mono.
func humanSources() []human {
	const lv = "librivox/sense_and_sensibility_01_austen_64kb-"
	return []human{
		{"librivox-0870", []string{lv + "0870.wav"}, "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them"},
		{"goforward", []string{"goforward.raw"}, "go forward ten meters"},
		{"numbers", []string{"numbers.raw"}, ""},
		{"librivox-0880", []string{lv + "0880.wav"}, "he was not an ill disposed young man"},
		{"librivox-0890", []string{lv + "0890.wav"}, "unless to be rather cold hearted and rather selfish is to be ill disposed"},
		{"librivox-0920", []string{lv + "0920.wav"}, "had he married a more a amiable woman he might have been made still more respectable than he was"},
		{"librivox-0930", []string{lv + "0930.wav"}, "he might even have been made amiable himself"},
		{"something", []string{"something.raw"}, ""},
		{"tidigits", []string{"tidigits/dhd.2934z.raw"}, ""},
		{"cards", []string{"cards/001.wav", "cards/002.wav", "cards/003.wav", "cards/004.wav", "cards/005.wav"},
			"ten of clubs four queen of clubs seven of clubs five five eight of spades four of clubs seven of hearts"},
	}
}

// digest hashes the source files, so that a changed recording invalidates
// the cache. It fails with ErrSource naming a missing file.
func (h human) digest(dataDir string) (string, error) {
	sum := sha256.New()
	for _, f := range h.Files {
		p := filepath.Join(dataDir, f)
		fh, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("%w: %w (apt-get install pocketsphinx-testdata, or set Options.SphinxData)", ErrSource, err)
		}
		_, err = io.Copy(sum, fh)
		fh.Close()
		if err != nil {
			return "", fmt.Errorf("%w: reading %s: %w", ErrSource, p, err)
		}
	}
	return fmt.Sprintf("%x", sum.Sum(nil)), nil
}

// load converts each file to 8 kHz and joins them with pause samples of
// silence between them.
func (h human) load(ctx context.Context, dataDir, tmp string, pause int) ([]int16, error) {
	var out []int16
	for i, f := range h.Files {
		p := filepath.Join(dataDir, f)
		var opts []string
		if strings.HasSuffix(f, ".raw") {
			opts = []string{"-t", "raw", "-r", "16000", "-e", "signed-integer", "-b", "16", "-c", "1", "-L"}
		}
		pcm, err := to8k(ctx, p, opts, tmp)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrSource, p, err)
		}
		if i > 0 {
			out = append(out, make([]int16, pause)...)
		}
		out = append(out, pcm...)
	}
	return out, nil
}
