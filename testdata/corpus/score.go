package corpus

import (
	"fmt"
	"strings"
)

// Window is the slack around a spam item's phrase within which a detection
// of that phrase counts as found: ±1 s.
const Window = 1.0

// Result is what one recognizer reported for one item.
type Result struct {
	Detections []Detection
	// Wall is the recognizer's wall time on the item, in seconds.
	Wall float64
	// CPU is the recognizer's processor time (user + system) on the
	// item, in seconds: less disturbed than Wall by other load.
	CPU float64
}

// Score is a recognizer's accuracy over a corpus.
type Score struct {
	Found int `json:"found"` // spam items whose phrase was detected in its window
	Spam  int `json:"spam"`  // spam items scored

	// FalseAlarms counts detections in negative items, and detections in
	// spam items of another phrase or outside the phrase's window.
	FalseAlarms         int `json:"false_alarms"`
	NegativeFalseAlarms int `json:"negative_false_alarms"` // those in negative items

	NegativeSeconds float64 `json:"negative_s"` // audio in negative items
	TotalSeconds    float64 `json:"total_s"`    // audio in all items
	WallSeconds     float64 `json:"wall_s"`     // recognizer wall time over all items
	CPUSeconds      float64 `json:"cpu_s"`      // recognizer processor time over all items

	// Latencies are, per found phrase, when the first detection in the
	// window was made (Detection.At, or its end when At is unknown) minus
	// the truth phrase end, in seconds.
	Latencies []float64 `json:"latencies_s"`
	// Missed lists the spam items whose phrase was not found; Alarms
	// describes each false alarm ("ID: phrase at 1.20-1.80 s").
	Missed []string `json:"missed"`
	Alarms []string `json:"alarms"`
}

// Recall is Found / Spam (0 for no spam).
func (s Score) Recall() float64 {
	if s.Spam == 0 {
		return 0
	}
	return float64(s.Found) / float64(s.Spam)
}

// FalseAlarmsPerHourNegative is the rate of false alarms in negative items
// per hour of negative audio.
func (s Score) FalseAlarmsPerHourNegative() float64 {
	return perHour(s.NegativeFalseAlarms, s.NegativeSeconds)
}

// FalseAlarmsPerHour is the rate of all false alarms per hour of audio.
func (s Score) FalseAlarmsPerHour() float64 {
	return perHour(s.FalseAlarms, s.TotalSeconds)
}

// RealTimeFactor is wall time over audio time.
func (s Score) RealTimeFactor() float64 {
	if s.TotalSeconds == 0 {
		return 0
	}
	return s.WallSeconds / s.TotalSeconds
}

// CPURealTimeFactor is processor time over audio time.
func (s Score) CPURealTimeFactor() float64 {
	if s.TotalSeconds == 0 {
		return 0
	}
	return s.CPUSeconds / s.TotalSeconds
}

// MeanLatency is the mean of Latencies, and false when there are none.
func (s Score) MeanLatency() (float64, bool) {
	if len(s.Latencies) == 0 {
		return 0, false
	}
	var sum float64
	for _, l := range s.Latencies {
		sum += l
	}
	return sum / float64(len(s.Latencies)), true
}

func perHour(n int, seconds float64) float64 {
	if seconds == 0 {
		return 0
	}
	return float64(n) * 3600 / seconds
}

// Evaluate scores results[i] against items[i]. A spam item's phrase is
// found when a detection of that phrase (compared case-insensitively, word
// by word) overlaps [PhraseStart-Window, PhraseEnd+Window]; further
// detections of it in the window are neither hits nor false alarms. Any
// other detection is a false alarm. It fails when the slices differ in
// length.
func Evaluate(items []Item, results []Result) (Score, error) {
	if len(items) != len(results) {
		return Score{}, fmt.Errorf("%w: %d items but %d results", ErrOptions, len(items), len(results))
	}
	var s Score
	for i, it := range items {
		r := results[i]
		s.TotalSeconds += it.Duration
		s.WallSeconds += r.Wall
		s.CPUSeconds += r.CPU
		if it.Kind == Spam {
			s.Spam++
		} else {
			s.NegativeSeconds += it.Duration
		}
		found := false
		for _, d := range r.Detections {
			hit := it.Kind == Spam && samePhrase(d.Phrase, it.Phrase) &&
				d.End >= it.PhraseStart-Window && d.Start <= it.PhraseEnd+Window
			switch {
			case hit && !found:
				found = true
				s.Found++
				at := d.End
				if d.At > 0 {
					at = d.At
				}
				s.Latencies = append(s.Latencies, at-it.PhraseEnd)
			case hit:
			default:
				s.FalseAlarms++
				if it.Kind != Spam {
					s.NegativeFalseAlarms++
				}
				s.Alarms = append(s.Alarms, fmt.Sprintf("%s: %q at %.2f-%.2f s", it.ID, d.Phrase, d.Start, d.End))
			}
		}
		if it.Kind == Spam && !found {
			s.Missed = append(s.Missed, it.ID)
		}
	}
	return s, nil
}

// samePhrase compares phrases word by word, ignoring case and punctuation.
func samePhrase(a, b string) bool {
	return strings.Join(Words(a), " ") == strings.Join(Words(b), " ")
}
