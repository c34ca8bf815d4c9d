package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/testdata/corpus"
)

// sphinx runs CMU's pocketsphinx_continuous on an item's 16 kHz WAV.
type sphinx struct {
	bin           string // pocketsphinx_continuous
	hmm, dict, lm string // model paths
	kwsFile       string // one banned phrase a line; set for keyword spotting
	phrases       []string
	mirror        bool   // feed mirror-image upsampled audio instead of the WAV
	tmp           string // scratch directory for mirror WAVs
}

// args returns the command line for wav.
func (s *sphinx) args(wav string) []string {
	a := []string{"-infile", wav, "-remove_noise", "no", "-hmm", s.hmm, "-dict", s.dict,
		"-time", "yes", "-logfn", "/dev/null"}
	if s.kwsFile != "" {
		return append(a, "-kws", s.kwsFile)
	}
	return append(a, "-lm", s.lm)
}

// detect runs the peer on it and returns the phrases it found.
func (s *sphinx) detect(ctx context.Context, it corpus.Item) ([]corpus.Detection, time.Duration, error) {
	wav := it.WAV
	if s.mirror {
		var err error
		if wav, err = mirrorWAV(it.WAV, filepath.Join(s.tmp, it.ID+".mirror.wav")); err != nil {
			return nil, 0, err
		}
		defer os.Remove(wav)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin, s.args(wav)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, 0, fmt.Errorf("%s on %s: %w: %s", s.bin, wav, err, firstLine(stderr.String()))
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	words, err := parseSphinx(&stdout)
	if err != nil {
		return nil, 0, fmt.Errorf("%s on %s: %w", s.bin, wav, err)
	}
	if s.kwsFile != "" {
		// Each timed line is one keyword detection.
		var out []corpus.Detection
		for _, w := range words {
			out = append(out, corpus.Detection{Phrase: w.Text, Start: w.Start, End: w.End})
		}
		return out, cpu, nil
	}
	return corpus.FindPhrases(words, s.phrases), cpu, nil
}

// parseSphinx reads pocketsphinx_continuous -time yes output: for each
// utterance a hypothesis line, then one line per word (or, with -kws, per
// keyword) "TEXT START END CONFIDENCE", times in seconds from the start of
// the file. Fillers and silences (<s>, </s>, <sil>, [NOISE], +...) are
// dropped, as they are from the transcript. Hypothesis lines are skipped.
func parseSphinx(r io.Reader) ([]corpus.Word, error) {
	var out []corpus.Word
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		var v [3]float64
		timed := true
		for i := range v {
			x, err := strconv.ParseFloat(f[len(f)-3+i], 64)
			if err != nil {
				timed = false
				break
			}
			v[i] = x
		}
		if !timed {
			continue
		}
		text := strings.Join(f[:len(f)-3], " ")
		if v[1] < v[0] {
			return nil, fmt.Errorf("output line %d: %q ends at %v s before it starts at %v s", n, text, v[1], v[0])
		}
		if strings.HasPrefix(text, "<") || strings.HasPrefix(text, "[") || strings.HasPrefix(text, "+") {
			continue
		}
		out = append(out, corpus.Word{Text: text, Start: v[0], End: v[1]})
	}
	return out, sc.Err()
}

// mirrorWAV writes to out the 16 kHz audio of in upsampled by zero
// stuffing instead of decode.Upsampler's low-pass: the 8 kHz samples (the
// even samples of in, which the half-band filter passes unchanged) with a
// zero between each pair, doubled in level, so that 4-8 kHz holds the
// spectral image of 0-4 kHz. The en-us model's filter bank reaches 6.8
// kHz, and band-limited audio leaves its upper filters empty.
func mirrorWAV(in, out string) (string, error) {
	f, err := os.Open(in)
	if err != nil {
		return "", err
	}
	pcm, rate, err := decode.ReadWAV(f)
	f.Close()
	if err != nil {
		return "", fmt.Errorf("%s: %w", in, err)
	}
	if rate != 16000 {
		return "", fmt.Errorf("%s: %d Hz, want 16000", in, rate)
	}
	m := make([]int16, len(pcm))
	for i := 0; i < len(pcm); i += 2 {
		x := 2 * int32(pcm[i])
		m[i] = int16(max(-32768, min(32767, x)))
	}
	g, err := os.Create(out)
	if err != nil {
		return "", err
	}
	w := decode.NewWAVWriter(g, 16000)
	if err := w.Write(m); err != nil {
		g.Close()
		return "", err
	}
	if err := w.Close(); err != nil {
		g.Close()
		return "", err
	}
	return out, g.Close()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
