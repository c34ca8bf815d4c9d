package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/spitfilter/spitfilter/testdata/corpus"
)

// errUnavailable marks an engine that cannot run here at all (a missing
// binary, a flag it does not have yet): its column is reported as
// unavailable instead of failing the run.
var errUnavailable = errors.New("unavailable")

// spitcheck runs spitcheck on an item's capture.
type spitcheck struct {
	bin, config, engine, mode string
}

func (s *spitcheck) args(capture string) []string {
	return []string{"--json", "--config", s.config, "--engine", s.engine, "--mode", s.mode, capture}
}

// report is the part of spitcheck's --json document the harness reads
// (DESIGN.md's contract).
type report struct {
	Streams []struct {
		Detections []struct {
			Rule       string  `json:"rule"`
			Text       string  `json:"text"`
			Start      float64 `json:"start_s"`
			End        float64 `json:"end_s"`
			Confidence float64 `json:"confidence"`
			At         float64 `json:"detected_at_s"`
		} `json:"detections"`
	} `json:"streams"`
}

// detect runs spitcheck on it. Exit status 0 (clean) and 1 (SPIT found)
// both carry a report; 2 is an error, reported as errUnavailable when the
// message says a flag is unknown.
func (s *spitcheck) detect(ctx context.Context, it corpus.Item) ([]corpus.Detection, time.Duration, error) {
	if _, err := exec.LookPath(s.bin); err != nil {
		return nil, 0, fmt.Errorf("%w: %s not found (make build): %v", errUnavailable, s.bin, err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, s.bin, s.args(it.Capture)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		msg := firstLine(stderr.String())
		if strings.Contains(msg, "flag provided but not defined") || strings.Contains(msg, "unknown flag") ||
			strings.Contains(msg, "--engine") || strings.Contains(msg, "--mode") {
			return nil, 0, fmt.Errorf("%w: %s: %s", errUnavailable, s.bin, msg)
		}
		return nil, 0, fmt.Errorf("%s on %s: %w: %s", s.bin, it.Capture, err, msg)
	}
	d, err := parseReport(stdout.Bytes())
	return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), err
}

// parseReport turns spitcheck's JSON into detections, named by their rule
// (the banned phrase), or their text when the rule is empty.
func parseReport(b []byte) ([]corpus.Detection, error) {
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("spitcheck --json output: %w", err)
	}
	var out []corpus.Detection
	for _, st := range r.Streams {
		for _, d := range st.Detections {
			p := d.Rule
			if p == "" {
				p = d.Text
			}
			out = append(out, corpus.Detection{Phrase: p, Start: d.Start, End: d.End, Confidence: d.Confidence, At: d.At})
		}
	}
	return out, nil
}
