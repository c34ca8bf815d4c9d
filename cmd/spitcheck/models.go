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
	"strings"
	"text/tabwriter"

	"github.com/spitfilter/spitfilter/cmd/internal/speech"
	"github.com/spitfilter/spitfilter/models"
)

// modelsUsage is the help of `spitcheck models`.
const modelsUsage = `usage: spitcheck models [--json] [--model DIR]
       spitcheck models fetch [--dir DIR] [--sha256 HEX] [--base-url URL] NAME

The first form lists the speech models found, usable or not: --model DIR
and $SPITFILTER_MODEL_DIR (a model directory or a directory of them), then
the standard paths: /usr/share/vosk/models, /var/lib/spitfilter/models,
$XDG_CACHE_HOME/spitfilter/models (~/.cache/spitfilter/models), /opt/vosk-model*
for Vosk, /usr/share/pocketsphinx/model/en-us for PocketSphinx. It ends with
the model each engine would load.

fetch downloads the Vosk model NAME (see https://alphacephei.com/vosk/models),
checks its MD5 from the model list (and --sha256 when given), unpacks and
validates it, and moves it into place.

Exit status: 0 ok, 2 error.
`

// modelsCommand runs `spitcheck models ...`; args follow "models".
func modelsCommand(args []string, stdout, stderr io.Writer, env func(string) string) int {
	if len(args) > 0 && args[0] == "fetch" {
		return modelsFetch(args[1:], stdout, stderr, env)
	}
	if len(args) > 0 && args[0] == "list" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("spitcheck models", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, modelsUsage, "\nFlags:\n"); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	model := fs.String("model", "", "also check the model directory `DIR`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spitcheck models: unexpected argument %q (did you mean `spitcheck models fetch %s`?)\n", fs.Arg(0), fs.Arg(0))
		return exitError
	}
	o := speech.ModelOptions(env)
	o.Flag = *model
	found := models.List(o)
	if *asJSON {
		return modelsJSON(found, stdout, stderr)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ENGINE\tNAME\tRATE\tSOURCE\tPATH\tSTATUS")
	for _, f := range found {
		rate, status := "-", "ok"
		if f.Model != nil {
			rate = fmt.Sprint(f.Model.SampleRate)
		} else {
			status = "invalid: " + strings.TrimPrefix(f.Err.Error(), "models: ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", f.Engine, f.Name(), rate, f.Source, f.Path, status)
	}
	tw.Flush()
	if len(found) == 0 {
		fmt.Fprintln(stdout, "no models found")
	}
	fmt.Fprintln(stdout)
	for _, e := range []models.Engine{models.Vosk, models.PocketSphinx} {
		f, err := models.Locate(e, o)
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", e, err)
			continue
		}
		fmt.Fprintf(stdout, "%s loads %s (from the %s)\n", e, f.Path, f.Source)
	}
	return exitClean
}

// modelJSON is one row of `spitcheck models --json`.
type modelJSON struct {
	Engine     string `json:"engine"`
	Name       string `json:"name"`
	Path       string `json:"path"`
	Source     string `json:"source"`
	SampleRate int    `json:"sample_rate,omitempty"`
	Size       int64  `json:"size,omitempty"`
	Acoustic   string `json:"acoustic,omitempty"`
	Dict       string `json:"dict,omitempty"`
	LM         string `json:"lm,omitempty"`
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
}

func modelsJSON(found []models.Found, stdout, stderr io.Writer) int {
	rows := make([]modelJSON, 0, len(found))
	for _, f := range found {
		r := modelJSON{Engine: string(f.Engine), Name: f.Name(), Path: f.Path, Source: string(f.Source), Status: "ok"}
		if m := f.Model; m != nil {
			r.SampleRate, r.Size, r.Acoustic, r.Dict, r.LM = m.SampleRate, m.Size, m.Acoustic, m.Dict, m.LM
		} else {
			r.Status, r.Error = "invalid", f.Err.Error()
		}
		rows = append(rows, r)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rows); err != nil {
		fmt.Fprintf(stderr, "spitcheck models: %v\n", err)
		return exitError
	}
	return exitClean
}

// modelsFetch runs `spitcheck models fetch`.
func modelsFetch(args []string, stdout, stderr io.Writer, env func(string) string) int {
	fs := flag.NewFlagSet("spitcheck models fetch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, modelsUsage, "\nFlags:\n"); fs.PrintDefaults() }
	dir := fs.String("dir", "", "put the model in `DIR` (default: the first writable Vosk standard path, else the user cache)")
	sha := fs.String("sha256", "", "also require the archive's SHA-256 to be `HEX`")
	base := fs.String("base-url", models.DefaultBaseURL, "where model-list.json and the archives are (a mirror)")
	progressMode := fs.String("progress", "auto", "progress bar on stderr: auto (terminal and large archive), always, never")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitClean
		}
		return exitError
	}
	if fs.NArg() != 1 {
		fmt.Fprintf(stderr, "spitcheck models fetch: want one model NAME, have %d arguments (names are listed at https://alphacephei.com/vosk/models)\n", fs.NArg())
		return exitError
	}
	name := fs.Arg(0)
	target := *dir
	if target == "" {
		var err error
		if target, err = models.WritableDir(speech.ModelOptions(env)); err != nil {
			fmt.Fprintf(stderr, "spitcheck models fetch: %v; give --dir\n", err)
			return exitError
		}
	}
	// main's context swallows the interrupt; a download must still stop on it.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var bar *progress
	f := &models.Fetcher{BaseURL: *base, Progress: func(done, total int64) {
		if bar == nil {
			bar = newProgress(stderr, name, total, *progressMode)
		}
		bar.update(done)
	}}
	m, err := f.Fetch(ctx, name, target, *sha)
	if bar != nil {
		bar.done()
	}
	if err != nil {
		fmt.Fprintf(stderr, "spitcheck models fetch: %v\n", err)
		return exitError
	}
	fmt.Fprintf(stdout, "%s: %d Hz, %d MiB, in %s\n", m.Name, m.SampleRate, m.Size>>20, m.Path)
	return exitClean
}
