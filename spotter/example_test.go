package spotter_test

import (
	"fmt"
	"regexp"

	"github.com/spitfilter/spitfilter/spotter"
)

func ExampleNormalize() {
	fmt.Println(spotter.Normalize("Press 1 NOW to claim your $1000 prize!"))
	// Output: press one now to claim your one thousand prize
}

func ExampleNewMatcher() {
	m, err := spotter.NewMatcher([]spotter.Rule{
		{Phrase: "free cruise", Action: "mute"},
		{Name: "press-digit", Pattern: regexp.MustCompile(`press (one|two|nine) (now|to)`), Action: "drop"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The recognizer listens for the phrases; patterns need full recognition.
	fmt.Println(m.Phrases(), m.HasPatterns())
	// Output: [free cruise] true
}

func ExampleGate() {
	g := spotter.NewGate(spotter.GateConfig{}) // 8 kHz, 10 ms frames
	silence := make([]int16, g.FrameLen())
	loud := make([]int16, g.FrameLen())
	for i := range loud {
		loud[i] = int16(8000 * (i%16 - 8) / 8)
	}
	for range 100 {
		g.Frame(silence)
	}
	for i := range 10 {
		if g.Frame(loud) == spotter.Open {
			fmt.Printf("utterance opened after %d ms of speech\n", (i+1)*10)
		}
	}
	// Output: utterance opened after 40 ms of speech
}
