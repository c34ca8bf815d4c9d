package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/spotter/remote"
)

// Recognizers says where the analysis's recognizers run.
type Recognizers uint8

const (
	// RecognizersProcess: in a recognizer process the daemon starts
	// (spitfilter recognizer), so that the daemon's own process stays
	// small. The default.
	RecognizersProcess Recognizers = iota
	// RecognizersInline: in the daemon's process.
	RecognizersInline
)

func (r Recognizers) String() string {
	if r == RecognizersInline {
		return "inline"
	}
	return "process"
}

// ParseRecognizers reads "process" or "inline".
func ParseRecognizers(s string) (Recognizers, error) {
	switch s {
	case "process":
		return RecognizersProcess, nil
	case "inline":
		return RecognizersInline, nil
	}
	return 0, fmt.Errorf("recognizers %q: want process or inline", s)
}

// recognizerArgv is the command line of the recognizer process for cfg's
// engine and model (the config file's directory is searched for models, as
// the daemon would).
func recognizerArgv(exe, engine, model, configPath string) []string {
	return []string{exe, "recognizer", "--engine", engine, "--model", model, "--config", configPath}
}

// spawnAt returns a remote.Options.Spawn that forks the recognizer process
// from a thread of analysis priority p and without capabilities, so that
// the process, and every thread it makes, runs at that priority and holds
// no capability (not even the CAP_NET_ADMIN the daemon runs with). The
// thread ends afterwards.
func spawnAt(p AnalysisPriority) func(func() error) error {
	return func(start func() error) error {
		done := make(chan error, 1)
		go func() {
			// The goroutine ends locked to its thread: the thread ends
			// with it, its priority and its dropped capabilities with it.
			if err := lowerPriority(p); err != nil {
				done <- fmt.Errorf("analysis priority %s: %w", p, err)
				return
			}
			if err := dropCapabilities(); err != nil {
				done <- fmt.Errorf("dropping capabilities: %w", err)
				return
			}
			done <- start()
		}()
		return <-done
	}
}

// runRecognizer implements "spitfilter recognizer": the recognizer process
// the daemon starts (not for use by hand). It opens the engine as the
// daemon would, and serves recognizers on the control socket the daemon
// passed at descriptor 3, until the daemon closes it.
func runRecognizer(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("recognizer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	engine := fs.String("engine", "auto", "auto, vosk or pocketsphinx")
	model := fs.String("model", "", "model directory (the config's model)")
	path := fs.String("config", "", "the daemon's config `FILE`: models are searched next to it")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	ctl, err := remote.Control()
	if err != nil {
		fmt.Fprintf(stderr, "spitfilter recognizer: %v (it is started by spitfilter run, not by hand)\n", err)
		return 2
	}
	mo := speech.ModelOptions(os.Getenv)
	mo.Config, mo.ConfigFile = *model, *path
	eng, err := speech.Open(speech.Settings{Engine: *engine, Models: mo})
	if err != nil {
		if rerr := remote.Refuse(ctl, err); rerr != nil {
			fmt.Fprintf(stderr, "spitfilter recognizer: %v\n", err)
		}
		return 2
	}
	if err := remote.Serve(ctl, eng, remote.Info{Model: eng.Model, Why: eng.Why}); err != nil {
		// With recognizers still decoding the engine is not closed
		// (freed under them); the exit frees it.
		fmt.Fprintf(stderr, "spitfilter recognizer: %v\n", err)
		return 1
	}
	if err := eng.Close(); err != nil {
		fmt.Fprintf(stderr, "spitfilter recognizer: closing the engine: %v\n", err)
		return 1
	}
	return 0
}
