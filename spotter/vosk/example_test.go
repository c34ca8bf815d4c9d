package vosk_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/spotter/vosk"
)

// A model directory is checked before libvosk sees it.
func ExampleValidate() {
	err := vosk.Validate("/nonexistent/vosk-model-small-en-us-0.15")
	fmt.Println(errors.Is(err, vosk.ErrNoModel))
	fmt.Println(err)
	// Output:
	// true
	// vosk: model directory "/nonexistent/vosk-model-small-en-us-0.15" does not exist; get a model from https://alphacephei.com/vosk/models or run "spitcheck models fetch NAME"
}

// One engine per process, one recognizer per stream.
func ExampleOpen() {
	e, err := vosk.Open(vosk.Config{Model: os.Getenv("SPITFILTER_VOSK_MODEL")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()

	r, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"free cruise"}})
	var unknown *vosk.VocabularyError
	if errors.As(err, &unknown) {
		fmt.Printf("remove %q from the banned list\n", unknown.Word)
		return
	} else if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()

	pcm := make([]int16, e.SampleRate()/50) // 20 ms frames at the model's rate
	if err := r.Write(pcm); err != nil {
		fmt.Println(err)
		return
	}
	words, err := r.Final(nil)
	fmt.Println(words, err)
}
