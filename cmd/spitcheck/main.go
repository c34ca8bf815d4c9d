// Package main is the spitcheck command.
//
// Command spitcheck runs spitfilter's pipeline on packet captures: it finds
// the RTP streams in pcap and pcapng files, measures them as Wireshark's RTP
// stream analysis does, decodes their G.711 audio, and reports per stream.
//
// Usage:
//
//	spitcheck [flags] CAPTURE...
//
// CAPTURE is a pcap or pcapng file, or - for standard input. Each file is
// analysed on its own. Exit status: 0 when no banned speech was found, 1
// when some was, 2 on an error (the message names the file and the
// problem; what could be read is still reported).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spitfilter/spitfilter/rtpflow"
)

// Exit codes, clamscan's convention.
const (
	exitClean = 0
	exitFound = 1
	exitError = 2
)

// options are spitcheck's flags.
type options struct {
	json         bool
	wavDir       string
	wavRate      int
	ports        rtpflow.Ports
	portsSet     bool
	noHeuristic  bool
	noReassembly bool
	reorder      int
	progress     string
	files        []string

	configPath string
	words      stringList
	engine     string
	mode       string
	model      string
	transcript bool
	speech     *speechSetup // nil: no rules, nothing listened for
}

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("spitcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: spitcheck [flags] CAPTURE...\n\n"+
			"Reports the RTP streams in pcap/pcapng captures (- reads standard input).\n"+
			"Exit status: 0 clean, 1 banned speech found, 2 error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var ports string
	fs.BoolVar(&o.json, "json", false, "print one JSON document instead of a table")
	fs.StringVar(&o.wavDir, "wav-dir", "", "write each stream's decoded audio as a WAV file in `DIR`")
	fs.IntVar(&o.wavRate, "wav-rate", 8000, "sample rate of the WAV files: 8000 (as sent) or 16000 (resampled)")
	fs.StringVar(&ports, "rtp-ports", "", "UDP `ports` that carry RTP, e.g. 10000-20000 (others are learned by heuristic)")
	fs.BoolVar(&o.noHeuristic, "no-heuristic", false, "only take UDP on --rtp-ports as RTP")
	fs.BoolVar(&o.noReassembly, "no-reassembly", false, "count and skip IP fragments instead of reassembling them")
	fs.IntVar(&o.reorder, "reorder-window", 0, "packets a stream holds back waiting for reordered ones (default 8)")
	fs.StringVar(&o.progress, "progress", "auto", "progress bar on stderr: auto (terminal and large input), always, never")
	fs.StringVar(&o.configPath, "config", "", "the config `FILE` (YAML): banned words, phrases, patterns, engine, model")
	fs.Var(&o.words, "word", "ban `W`, a word or phrase (repeatable), with the config's action")
	fs.StringVar(&o.engine, "engine", "", "speech engine: auto (Vosk when a Vosk model is found, else PocketSphinx), vosk, pocketsphinx")
	fs.StringVar(&o.mode, "mode", "", "how the recognizer listens: auto, keyword, full, both")
	fs.StringVar(&o.model, "model", "", "model `DIR` (default: the config's, $SPITFILTER_MODEL_DIR, standard paths)")
	fs.BoolVar(&o.transcript, "transcript", false, "include what was recognised in the report (off by default: privacy)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch o.engine {
	case "", "auto", "vosk", "pocketsphinx":
	default:
		return nil, fmt.Errorf("--engine must be auto, vosk or pocketsphinx, got %q", o.engine)
	}
	switch o.mode {
	case "", "auto", "keyword", "full", "both":
	default:
		return nil, fmt.Errorf("--mode must be auto, keyword, full or both, got %q", o.mode)
	}
	var err error
	if o.ports, err = rtpflow.ParsePorts(ports); err != nil {
		return nil, fmt.Errorf("--rtp-ports: %w", err)
	}
	o.portsSet = ports != ""
	if o.noHeuristic && len(o.ports) == 0 {
		return nil, errors.New("--no-heuristic needs --rtp-ports: otherwise no UDP is taken as RTP")
	}
	if o.wavRate != 8000 && o.wavRate != 16000 {
		return nil, fmt.Errorf("--wav-rate must be 8000 or 16000, got %d", o.wavRate)
	}
	switch o.progress {
	case "auto", "always", "never":
	default:
		return nil, fmt.Errorf("--progress must be auto, always or never, got %q", o.progress)
	}
	o.files = fs.Args()
	if len(o.files) == 0 {
		fs.Usage()
		return nil, errors.New("no capture given")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "models" {
		return modelsCommand(args[1:], stdout, stderr, os.Getenv)
	}
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		fmt.Fprintf(stderr, "spitcheck: %v\n", err)
		return exitError
	}
	cfg, err := loadConfig(o)
	if err != nil {
		fmt.Fprintf(stderr, "spitcheck: %v\n", err)
		return exitError
	}
	if o.configPath != "" && !o.portsSet {
		o.ports = cfg.RTPPorts
	}
	if o.speech, err = setupSpeech(o, cfg, os.Getenv); err != nil {
		fmt.Fprintf(stderr, "spitcheck: %v\n", err)
		return exitError
	}
	defer o.speech.close()
	if o.wavDir != "" {
		if err := os.MkdirAll(o.wavDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "spitcheck: --wav-dir: %v\n", err)
			return exitError
		}
	}
	rep := &report{Files: []string{}, Streams: []streamReport{}}
	if o.speech != nil {
		rep.Engine = o.speech.describe()
	}
	code := exitClean
	for _, name := range o.files {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "spitcheck: interrupted; the report covers what was read")
			code = exitError
			break
		}
		res, err := analyzeFile(ctx, name, stdin, o, stderr)
		if res != nil {
			rep.add(res)
		}
		if err != nil {
			fmt.Fprintf(stderr, "spitcheck: %v\n", err)
			code = exitError
			if res == nil { // not a capture, or not readable: nothing to report
				return exitError
			}
		}
	}
	if code == exitClean && rep.detections() > 0 {
		code = exitFound
	}
	if o.json {
		err = rep.writeJSON(stdout)
	} else {
		err = rep.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "spitcheck: writing the report: %v\n", err)
		return exitError
	}
	return code
}

// displayName is how a capture is named in messages and reports.
func displayName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, s)
}
