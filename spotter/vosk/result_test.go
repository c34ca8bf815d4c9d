package vosk

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/spotter"
)

func TestAppendWords(t *testing.T) {
	ms := time.Millisecond
	// Results as libvosk 0.3.39 prints them with SetWords(1) and
	// SetPartialWords(1).
	const final = `{
  "result" : [{
      "conf" : 1.000000,
      "end" : 1.290000,
      "start" : 0.870000,
      "word" : "free"
    }, {
      "conf" : 0.734921,
      "end" : 1.860000,
      "start" : 1.290000,
      "word" : "cruise"
    }],
  "text" : "free cruise"
}`
	const partial = `{
  "partial" : "press one",
  "partial_result" : [{
      "conf" : 1.000000,
      "end" : 0.300000,
      "start" : 0.000000,
      "word" : "press"
    }, {
      "conf" : 1.2,
      "end" : 0.6,
      "start" : 0.3,
      "word" : "<eps>"
    }, {
      "conf" : -0.1,
      "end" : 0.900000,
      "start" : 0.600000,
      "word" : "one"
    }]
}`
	tests := []struct {
		name    string
		js      string
		partial bool
		origin  float64
		want    []spotter.Word
	}{
		{"final", final, false, 0, []spotter.Word{
			{Text: "free", Start: 870 * ms, End: 1290 * ms, Confidence: 1},
			{Text: "cruise", Start: 1290 * ms, End: 1860 * ms, Confidence: 0.734921},
		}},
		{"final-from-later-utterance", final, false, 1, []spotter.Word{
			{Text: "free", Start: 0, End: 290 * ms, Confidence: 1},
			{Text: "cruise", Start: 290 * ms, End: 860 * ms, Confidence: 0.734921},
		}},
		{"partial-eps-skipped-conf-clamped", partial, true, 0, []spotter.Word{
			{Text: "press", Start: 0, End: 300 * ms, Confidence: 1},
			{Text: "one", Start: 600 * ms, End: 900 * ms, Confidence: 0},
		}},
		{"partial-key-ignored-for-final", partial, false, 0, nil},
		{"final-key-ignored-for-partial", final, true, 0, nil},
		{"empty-result", `{"text": ""}`, false, 0, nil},
		{"empty-partial", `{"partial" : ""}`, true, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var into voskResult
			prefix := []spotter.Word{{Text: "earlier"}}
			got, err := appendWords(slices.Clone(prefix), &into, tt.js, tt.partial, tt.origin)
			if err != nil {
				t.Fatal(err)
			}
			want := append(slices.Clone(prefix), tt.want...)
			if !slices.Equal(got, want) {
				t.Errorf("appendWords (-want +got):\n- %+v\n+ %+v", want, got)
			}
		})
	}
}

func TestAppendWordsReusesDecoder(t *testing.T) {
	var into voskResult
	if _, err := appendWords(nil, &into, `{"result":[{"word":"a","start":0,"end":1,"conf":1}]}`, false, 0); err != nil {
		t.Fatal(err)
	}
	got, err := appendWords(nil, &into, `{"text":""}`, false, 0)
	if err != nil || len(got) != 0 {
		t.Errorf("second, empty result gave %+v, %v: words of the first leaked", got, err)
	}
}

func TestAppendWordsBadJSON(t *testing.T) {
	dst := []spotter.Word{{Text: "kept"}}
	got, err := appendWords(dst, new(voskResult), `{"result": [`, false, 0)
	if !errors.Is(err, ErrDecode) {
		t.Fatalf("err = %v, want ErrDecode", err)
	}
	if !slices.Equal(got, dst) {
		t.Errorf("dst changed on error: %+v", got)
	}
}
