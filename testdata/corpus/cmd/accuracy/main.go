// Package main is the accuracy command.
//
// Command accuracy measures how well recognizers spot the banned phrases of
// spitfilter's speech corpus (package testdata/corpus): phrase recall, false
// alarms per hour, real-time factor and detection latency, per engine and
// mode, as a markdown table or (-json) one JSON document.
//
//	go run ./testdata/corpus/cmd/accuracy [-dir DIR] [-spitcheck bin/spitcheck] [-small] [-json]
//
// Peers: CMU's pocketsphinx_continuous (Debian package pocketsphinx) on
// each item's 16 kHz WAV with -remove_noise no and Debian's en-us model,
// (a) spotting the phrases with -kws (default thresholds) and (b)
// recognizing with the en-us language model, the transcript matched for the
// phrases on whole words. Each runs twice: on the WAV as decoded
// (decode.Upsampler, band-limited to 4 kHz) and on the same 8 kHz samples
// upsampled by zero stuffing ("mirror", images above 4 kHz). spitcheck
// runs on each item's capture with --engine pocketsphinx --mode keyword,
// full and both; a spitcheck that is missing or lacks those flags is
// reported as unavailable.
//
// A spam item's phrase is found when a detection of it overlaps the truth
// phrase ±1 s; any other detection is a false alarm. Wall times include
// each process's start-up and model load.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/spitfilter/spitfilter/testdata/corpus"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "accuracy:", err)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	dir, spitcheck, banned, sphinx, model string
	small, json, noMirror                 bool
	jsonOut, from                         string
	seed                                  int64
	only                                  string
}

// engine is one column of the report: a recognizer in one mode.
type engine struct {
	Engine string `json:"engine"`
	Mode   string `json:"mode"`
	Audio  string `json:"audio"` // what it hears
	detect func(context.Context, corpus.Item) ([]corpus.Detection, time.Duration, error)
}

// row is one engine's result.
type row struct {
	engine
	Available bool    `json:"available"`
	Reason    string  `json:"reason,omitempty"`
	Recall    float64 `json:"recall"`
	FAPerHNeg float64 `json:"false_alarms_per_hour_negative"`
	FAPerH    float64 `json:"false_alarms_per_hour"`
	RTF       float64 `json:"real_time_factor"`
	CPURTF    float64 `json:"cpu_real_time_factor"`
	Latency   float64 `json:"mean_latency_s"`
	HasLat    bool    `json:"has_latency"`
	corpus.Score
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("accuracy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.dir, "dir", filepath.Join(os.TempDir(), "spitfilter-corpus"), "corpus cache `directory`")
	fs.StringVar(&c.spitcheck, "spitcheck", "bin/spitcheck", "spitcheck `binary`")
	fs.StringVar(&c.banned, "config", "testdata/corpus/banned.yaml", "spitcheck `config` with the banned phrases")
	fs.StringVar(&c.sphinx, "pocketsphinx", "pocketsphinx_continuous", "pocketsphinx_continuous `binary`")
	fs.StringVar(&c.model, "model", "/usr/share/pocketsphinx/model/en-us", "PocketSphinx en-us model `directory` (en-us/, cmudict-en-us.dict, en-us.lm.bin)")
	fs.BoolVar(&c.small, "small", false, "the small corpus (6 spam, 6 negative) instead of the full one")
	fs.BoolVar(&c.json, "json", false, "print one JSON document instead of a markdown table")
	fs.StringVar(&c.from, "from", "", "print the table of a JSON `document` written by -json or -json-out, and run nothing")
	fs.StringVar(&c.jsonOut, "json-out", "", "also write the JSON document to `file`")
	fs.BoolVar(&c.noMirror, "no-mirror", false, "skip the peer runs on mirror-upsampled audio")
	fs.Int64Var(&c.seed, "seed", 1, "corpus seed")
	fs.StringVar(&c.only, "only", "", "run only engines whose `name` (engine/mode/audio) contains this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.from != "" {
		b, err := os.ReadFile(c.from)
		if err != nil {
			return err
		}
		var doc document
		if err := json.Unmarshal(b, &doc); err != nil {
			return fmt.Errorf("%s: %w", c.from, err)
		}
		printTable(stdout, doc.Corpus, doc.Rows)
		return nil
	}
	fmt.Fprintf(stderr, "generating corpus in %s\n", c.dir)
	items, err := corpus.Generate(ctx, c.dir, corpus.Options{Small: c.small, Seed: c.seed})
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "accuracy-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	engines, err := engines(c, tmp)
	if err != nil {
		return err
	}
	var rows []row
	for _, e := range engines {
		name := e.Engine + "/" + e.Mode + "/" + e.Audio
		if c.only != "" && !strings.Contains(name, c.only) {
			continue
		}
		fmt.Fprintf(stderr, "running %s on %d items\n", name, len(items))
		r, err := measure(ctx, e, items)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rows = append(rows, r)
	}
	doc, err := json.MarshalIndent(document{summarize(items, c), rows}, "", "  ")
	if err != nil {
		return err
	}
	doc = append(doc, '\n')
	if c.jsonOut != "" {
		if err := os.WriteFile(c.jsonOut, doc, 0o644); err != nil {
			return err
		}
	}
	if c.json {
		_, err := stdout.Write(doc)
		return err
	}
	printTable(stdout, summarize(items, c), rows)
	return nil
}

// engines lists the report's columns.
func engines(c config, tmp string) ([]engine, error) {
	kws := filepath.Join(tmp, "banned.kws")
	if err := os.WriteFile(kws, []byte(strings.Join(corpus.BannedPhrases(), "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	m := c.model
	peer := func(kwsFile string, mirror bool) *sphinx {
		return &sphinx{bin: c.sphinx, hmm: filepath.Join(m, "en-us"), dict: filepath.Join(m, "cmudict-en-us.dict"),
			lm: filepath.Join(m, "en-us.lm.bin"), kwsFile: kwsFile, phrases: corpus.BannedPhrases(), mirror: mirror, tmp: tmp}
	}
	const ps = "pocketsphinx_continuous"
	var out []engine
	for _, mirror := range []bool{false, true} {
		audio := "wav (decode.Upsampler)"
		if mirror {
			if c.noMirror {
				continue
			}
			audio = "wav, mirror upsampled"
		}
		out = append(out,
			engine{Engine: ps, Mode: "kws", Audio: audio, detect: peer(kws, mirror).detect},
			engine{Engine: ps, Mode: "lm", Audio: audio, detect: peer("", mirror).detect})
	}
	for _, mode := range []string{"keyword", "full", "both"} {
		s := &spitcheck{bin: c.spitcheck, config: c.banned, engine: "pocketsphinx", mode: mode}
		out = append(out, engine{Engine: "spitcheck pocketsphinx", Mode: mode, Audio: "capture", detect: s.detect})
	}
	return out, nil
}

// measure runs e on every item, one at a time, and scores it.
func measure(ctx context.Context, e engine, items []corpus.Item) (row, error) {
	r := row{engine: e}
	results := make([]corpus.Result, len(items))
	for i, it := range items {
		t0 := time.Now()
		d, cpu, err := e.detect(ctx, it)
		if errors.Is(err, errUnavailable) {
			r.Reason = strings.TrimPrefix(err.Error(), errUnavailable.Error()+": ")
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("item %s: %w", it.ID, err)
		}
		results[i] = corpus.Result{Detections: d, Wall: time.Since(t0).Seconds(), CPU: cpu.Seconds()}
	}
	s, err := corpus.Evaluate(items, results)
	if err != nil {
		return r, err
	}
	r.Available, r.Score = true, s
	r.Recall, r.FAPerHNeg, r.FAPerH, r.RTF, r.CPURTF = s.Recall(), s.FalseAlarmsPerHourNegative(), s.FalseAlarmsPerHour(), s.RealTimeFactor(), s.CPURealTimeFactor()
	r.Latency, r.HasLat = s.MeanLatency()
	return r, nil
}

// document is the -json output.
type document struct {
	Corpus summary `json:"corpus"`
	Rows   []row   `json:"rows"`
}

// summary describes the corpus a report was made on.
type summary struct {
	Dir             string  `json:"dir"`
	Small           bool    `json:"small"`
	Seed            int64   `json:"seed"`
	Spam            int     `json:"spam"`
	Negative        int     `json:"negative"`
	Human           int     `json:"human"`
	Seconds         float64 `json:"total_s"`
	NegativeSeconds float64 `json:"negative_s"`
}

func summarize(items []corpus.Item, c config) summary {
	s := summary{Dir: c.dir, Small: c.small, Seed: c.seed}
	for _, it := range items {
		s.Seconds += it.Duration
		if it.Kind == corpus.Spam {
			s.Spam++
		} else {
			s.Negative++
			s.NegativeSeconds += it.Duration
		}
		if it.Source == "human" {
			s.Human++
		}
	}
	return s
}

// printTable writes the report as markdown.
func printTable(w io.Writer, s summary, rows []row) {
	fmt.Fprintf(w, "Corpus: %d spam, %d negative (%d human) items, %.0f s of audio (%.0f s negative), seed %d.\n\n",
		s.Spam, s.Negative, s.Human, s.Seconds, s.NegativeSeconds, s.Seed)
	fmt.Fprintln(w, "| engine | mode | audio | recall | false alarms | FA/h negative | FA/h all | RTF wall | RTF cpu | cpu ÷ peer | latency (s) |")
	fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
	// The reference for processor time: the first available row, the
	// peer's keyword spotting on the decoded WAV, measured in the same run.
	var ref float64
	for _, r := range rows {
		if r.Available && r.CPURTF > 0 {
			ref = r.CPURTF
			break
		}
	}
	for _, r := range rows {
		if !r.Available {
			fmt.Fprintf(w, "| %s | %s | %s | unavailable: %s | | | | | | | |\n", r.Engine, r.Mode, r.Audio, strings.ReplaceAll(r.Reason, "|", "/"))
			continue
		}
		lat := "-"
		if r.HasLat {
			lat = fmt.Sprintf("%+.2f", r.Latency)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %d/%d (%.0f %%) | %d (%d in negatives) | %.0f | %.0f | %.3f | %.3f | %.2f | %s |\n",
			r.Engine, r.Mode, r.Audio, r.Found, r.Spam, 100*r.Recall, r.FalseAlarms, r.NegativeFalseAlarms,
			r.FAPerHNeg, r.FAPerH, r.RTF, r.CPURTF, ratio(r.CPURTF, ref), lat)
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
