package corpus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spitfilter/spitfilter/testdata/capgen"
)

// Voice is a speech synthesizer voice: a flite voice, or espeak-ng's en-us
// voice at a speaking rate.
type Voice struct {
	Program string // "flite" or "espeak-ng"
	Name    string // flite -voice NAME, or espeak-ng -v NAME
	Rate    int    // espeak-ng -s words per minute; unused by flite
}

// String names the voice as items record it: "flite-slt", "espeak-ng-en-us-160".
func (v Voice) String() string {
	if v.Program == "espeak-ng" {
		return fmt.Sprintf("espeak-ng-%s-%d", v.Name, v.Rate)
	}
	return v.Program + "-" + v.Name
}

// voices returns the voices messages are spoken in, in rotation order. The
// espeak-ng rate here is the default; each item draws its own.
func voices() []Voice {
	return []Voice{
		{Program: "flite", Name: "slt"},
		{Program: "flite", Name: "rms"},
		{Program: "espeak-ng", Name: "en-us", Rate: 160},
		{Program: "flite", Name: "awb"},
	}
}

// Silence detection when trimming synthesized parts: a sample at or above
// trimLevel (about -42 dBFS) is speech, and trimMargin samples (10 ms at
// 8 kHz) around it are kept.
const (
	trimLevel  = 256
	trimMargin = 80
)

// synthesize speaks text with v and returns it as 8 kHz mono PCM with the
// leading and trailing silence trimmed. Scratch files go to tmp.
func synthesize(ctx context.Context, v Voice, text, tmp string) ([]int16, error) {
	raw := filepath.Join(tmp, "synth.wav")
	var cmd *exec.Cmd
	switch v.Program {
	case "flite":
		cmd = exec.CommandContext(ctx, "flite", "-voice", v.Name, "-t", text, "-o", raw)
	case "espeak-ng":
		cmd = exec.CommandContext(ctx, "espeak-ng", "-v", v.Name, "-s", strconv.Itoa(v.Rate), "-w", raw, text)
	default:
		return nil, fmt.Errorf("%w: unknown synthesizer %q", ErrTool, v.Program)
	}
	if err := run(cmd); err != nil {
		return nil, err
	}
	pcm, err := to8k(ctx, raw, nil, tmp)
	if err != nil {
		return nil, err
	}
	out := trim(pcm)
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %v produced only silence for %q", ErrTool, v, text)
	}
	return out, nil
}

// trim returns s without its leading and trailing silence (keeping
// trimMargin samples on each side), or nil when s is all silence.
func trim(s []int16) []int16 {
	loud := func(x int16) bool { return x >= trimLevel || x <= -trimLevel }
	first, last := -1, -1
	for i, x := range s {
		if loud(x) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	first = max(0, first-trimMargin)
	last = min(len(s)-1, last+trimMargin)
	return s[first : last+1]
}

// to8k converts the audio file in to 8 kHz mono 16-bit PCM with sox,
// without dither so that the result is deterministic. inOpts describe a
// headerless input (e.g. -t raw -r 16000 -e signed -b 16 -c 1).
func to8k(ctx context.Context, in string, inOpts []string, tmp string) ([]int16, error) {
	out := filepath.Join(tmp, "8k.wav")
	args := append([]string{"-D"}, inOpts...)
	args = append(args, in, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", out)
	if err := run(exec.CommandContext(ctx, "sox", args...)); err != nil {
		return nil, err
	}
	f, err := os.Open(out)
	if err != nil {
		return nil, fmt.Errorf("%w: sox output: %w", ErrTool, err)
	}
	defer f.Close()
	pcm, err := capgen.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%w: sox output for %s: %w", ErrTool, in, err)
	}
	return pcm, nil
}

// run runs cmd and turns a failure into an ErrTool error that names the
// program, says how to install a missing one, and quotes its stderr.
func run(cmd *exec.Cmd) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if err == nil {
		return nil
	}
	name := filepath.Base(cmd.Path)
	if errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%w: %s is not installed (apt-get install %s): %w", ErrTool, name, aptPackage(name), err)
	}
	msg := strings.TrimSpace(stderr.String())
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return fmt.Errorf("%w: %s: %w: %s", ErrTool, strings.Join(cmd.Args, " "), err, msg)
}

// aptPackage names the Debian package that installs program.
func aptPackage(program string) string {
	switch program {
	case "sox":
		return "sox libsox-fmt-all"
	case "pocketsphinx_continuous":
		return "pocketsphinx"
	}
	return program
}
