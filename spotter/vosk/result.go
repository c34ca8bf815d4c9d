package vosk

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/spitfilter/spitfilter/spotter"
)

// voskWord is one word of a libvosk result with SetWords (key "result") or
// of a partial result with SetPartialWords (key "partial_result"). Times are
// seconds from the recognizer's first sample.
type voskWord struct {
	Word  string  `json:"word"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
	Conf  float64 `json:"conf"`
}

// voskResult is the JSON libvosk returns from its result functions, less the
// untimed "text" and "partial" strings.
type voskResult struct {
	Result        []voskWord `json:"result"`
	PartialResult []voskWord `json:"partial_result"`
}

// appendWords parses one libvosk result and appends its timed words to dst,
// with times made relative to origin seconds (the start of the current
// utterance) and clamped at zero. partial selects the partial_result key.
// Empty words and Kaldi's "<eps>" are skipped. into is reused for decoding.
func appendWords(dst []spotter.Word, into *voskResult, js string, partial bool, origin float64) ([]spotter.Word, error) {
	into.Result, into.PartialResult = into.Result[:0], into.PartialResult[:0]
	if err := json.Unmarshal([]byte(js), into); err != nil {
		return dst, fmt.Errorf("%w: libvosk result %.80q is not JSON: %v", ErrDecode, js, err)
	}
	words := into.Result
	if partial {
		words = into.PartialResult
	}
	for _, w := range words {
		if w.Word == "" || w.Word == "<eps>" {
			continue
		}
		dst = append(dst, spotter.Word{
			Text:       w.Word,
			Start:      seconds(w.Start - origin),
			End:        seconds(w.End - origin),
			Confidence: math.Max(0, math.Min(1, w.Conf)),
		})
	}
	return dst, nil
}

// seconds converts s to a Duration rounded to the microsecond, clamping
// negative values (rounding in libvosk) at zero.
func seconds(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	return time.Duration(math.Round(s*1e6)) * time.Microsecond
}
