package corpus

import (
	"errors"
	"math"
	"testing"
)

func TestEvaluate(t *testing.T) {
	spam := Item{ID: "s", Kind: Spam, Phrase: "gift card", PhraseStart: 5, PhraseEnd: 6, Duration: 10}
	neg := Item{ID: "n", Kind: Negative, Duration: 8}
	det := func(p string, a, b float64) Detection { return Detection{Phrase: p, Start: a, End: b} }
	for _, tc := range []struct {
		name                         string
		items                        []Item
		results                      []Result
		found, alarms, negAlarms     int
		latencies                    []float64
		faPerHourNeg, faPerHourTotal float64
	}{
		{"hit inside the phrase", []Item{spam, neg},
			[]Result{{Detections: []Detection{det("Gift Card", 5.1, 6.3)}}, {}},
			1, 0, 0, []float64{0.3}, 0, 0},
		{"hit within the one second window", []Item{spam},
			[]Result{{Detections: []Detection{det("gift card", 6.8, 6.95)}}},
			1, 0, 0, []float64{0.95}, 0, 0},
		{"too late is a miss and a false alarm", []Item{spam},
			[]Result{{Detections: []Detection{det("gift card", 7.2, 7.5)}}},
			0, 1, 0, nil, 0, 360},
		{"other phrase is a false alarm", []Item{spam},
			[]Result{{Detections: []Detection{det("press one", 5, 6), det("gift card", 5, 5.9)}}},
			1, 1, 0, []float64{-0.1}, 0, 360},
		{"repeat in the window is neither", []Item{spam},
			[]Result{{Detections: []Detection{det("gift card", 5, 6), det("gift card", 5.5, 6.2)}}},
			1, 0, 0, []float64{0}, 0, 0},
		{"any detection in a negative", []Item{spam, neg},
			[]Result{{}, {Detections: []Detection{det("gift card", 1, 2), det("tax refund", 3, 4)}}},
			0, 2, 2, nil, 900, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Evaluate(tc.items, tc.results)
			if err != nil {
				t.Fatal(err)
			}
			if s.Found != tc.found || s.FalseAlarms != tc.alarms || s.NegativeFalseAlarms != tc.negAlarms {
				t.Errorf("found %d, false alarms %d (negative %d); want %d, %d (%d); alarms %q",
					s.Found, s.FalseAlarms, s.NegativeFalseAlarms, tc.found, tc.alarms, tc.negAlarms, s.Alarms)
			}
			if len(s.Latencies) != len(tc.latencies) {
				t.Fatalf("latencies %v, want %v", s.Latencies, tc.latencies)
			}
			for i := range s.Latencies {
				if math.Abs(s.Latencies[i]-tc.latencies[i]) > 1e-9 {
					t.Errorf("latency %d = %v, want %v", i, s.Latencies[i], tc.latencies[i])
				}
			}
			if got := s.FalseAlarmsPerHourNegative(); math.Abs(got-tc.faPerHourNeg) > 1e-9 {
				t.Errorf("false alarms per negative hour %v, want %v", got, tc.faPerHourNeg)
			}
			if got := s.FalseAlarmsPerHour(); math.Abs(got-tc.faPerHourTotal) > 1e-9 {
				t.Errorf("false alarms per hour %v, want %v", got, tc.faPerHourTotal)
			}
			if tc.found == 0 && len(s.Missed) != 1 {
				t.Errorf("missed %q, want the spam item", s.Missed)
			}
		})
	}
}

func TestEvaluateLengthMismatch(t *testing.T) {
	if _, err := Evaluate([]Item{{ID: "a"}}, nil); !errors.Is(err, ErrOptions) {
		t.Fatalf("Evaluate with 1 item, 0 results: err %v, want ErrOptions", err)
	}
}
