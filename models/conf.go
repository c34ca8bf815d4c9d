package models

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Sample rates a model may name; anything outside is a broken file.
const (
	minSampleRate = 4000
	maxSampleRate = 192000
)

// parseMFCCConf returns the sample rate a Kaldi feature configuration
// (conf/mfcc.conf) names with --sample-frequency, or 16000 when it names
// none. It reads the file as Kaldi's ParseOptions::ReadConfigFile does: "#"
// starts a comment, blank lines are skipped, every other line must be
// --name=value, and underscores in a name equal dashes. A later setting
// overrides an earlier one. Errors give the 1-based line number.
func parseMFCCConf(b []byte) (int, error) {
	rate := defaultSampleRate
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "--") {
			return 0, fmt.Errorf("line %d: %q is not an option (want --name=value)", n, clip(line))
		}
		name, value, _ := strings.Cut(line[2:], "=")
		name = strings.ReplaceAll(strings.TrimSpace(name), "_", "-")
		if name != "sample-frequency" {
			continue
		}
		r, err := parseRate(strings.TrimSpace(value))
		if err != nil {
			return 0, fmt.Errorf("line %d: --sample-frequency: %w", n, err)
		}
		rate = r
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("line too long: %w", err)
	}
	return rate, nil
}

// parseFeatParams returns the sample rate a PocketSphinx acoustic model's
// feat.params names with -samprate, or 16000 when it names none. Lines are
// "-name value"; "#" starts a comment line. A later setting overrides an
// earlier one. Errors give the 1-based line number.
func parseFeatParams(b []byte) (int, error) {
	rate := defaultSampleRate
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") || fields[0] != "-samprate" {
			continue
		}
		if len(fields) != 2 {
			return 0, fmt.Errorf("line %d: -samprate wants one value, has %d", n, len(fields)-1)
		}
		r, err := parseRate(fields[1])
		if err != nil {
			return 0, fmt.Errorf("line %d: -samprate: %w", n, err)
		}
		rate = r
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("line too long: %w", err)
	}
	return rate, nil
}

// parseRate parses a sample rate written as a number ("16000", "8000.0").
func parseRate(s string) (int, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", clip(s))
	}
	if math.IsNaN(f) || f != math.Trunc(f) || f < minSampleRate || f > maxSampleRate {
		return 0, fmt.Errorf("%q Hz is not a whole rate from %d to %d", clip(s), minSampleRate, maxSampleRate)
	}
	return int(f), nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
