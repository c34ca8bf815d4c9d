package corpus_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spitfilter/spitfilter/testdata/corpus"
)

// Generate the small corpus into a cache directory and list its spam.
func ExampleGenerate() {
	dir := filepath.Join(os.TempDir(), "spitfilter-corpus")
	items, err := corpus.Generate(context.Background(), dir, corpus.Options{Small: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, it := range items {
		if it.Kind == corpus.Spam {
			fmt.Printf("%s: %q at %.2f-%.2f s in %s\n", it.ID, it.Phrase, it.PhraseStart, it.PhraseEnd, it.Capture)
		}
	}
}

// Score a recognizer's detections against the truth.
func ExampleEvaluate() {
	items := []corpus.Item{
		{ID: "spam-a", Kind: corpus.Spam, Phrase: "gift card", PhraseStart: 4.0, PhraseEnd: 4.8, Duration: 10},
		{ID: "neg-a", Kind: corpus.Negative, Duration: 8},
	}
	results := []corpus.Result{
		{Detections: []corpus.Detection{{Phrase: "gift card", Start: 4.1, End: 5.0}}, Wall: 1},
		{Detections: []corpus.Detection{{Phrase: "press one", Start: 2, End: 2.5}}, Wall: 0.8},
	}
	s, err := corpus.Evaluate(items, results)
	if err != nil {
		fmt.Println(err)
		return
	}
	lat, _ := s.MeanLatency()
	fmt.Printf("recall %d/%d, false alarms %d (%.0f per negative hour), latency %.1f s, RTF %.2f\n",
		s.Found, s.Spam, s.FalseAlarms, s.FalseAlarmsPerHourNegative(), lat, s.RealTimeFactor())
	fmt.Println(s.Alarms)
	// Output:
	// recall 1/1, false alarms 1 (450 per negative hour), latency 0.2 s, RTF 0.10
	// [neg-a: "press one" at 2.00-2.50 s]
}
