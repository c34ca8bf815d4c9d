package pocketsphinx_test

import (
	"fmt"

	"github.com/spitfilter/spitfilter/spotter"
	"github.com/spitfilter/spitfilter/spotter/pocketsphinx"
)

// Listening to one stream of G.711 audio for two banned phrases.
func ExampleOpen() {
	e, err := pocketsphinx.Open(pocketsphinx.Config{}) // Debian's en-us model
	if err != nil {
		fmt.Println(err)
		return
	}
	defer e.Close()
	m, _ := spotter.NewMatcher([]spotter.Rule{{Phrase: "free cruise", Action: "mute"}, {Phrase: "press 1", Action: "drop"}})
	l, err := spotter.NewListener(e, m, spotter.ListenerConfig{}) // 8 kHz in, full recognition
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	var pcm []int16 // decoded G.711, lost packets as silence
	ds, _ := l.Write(nil, pcm)
	ds, _ = l.Flush(ds)
	for _, d := range ds {
		fmt.Println(d)
	}
}
