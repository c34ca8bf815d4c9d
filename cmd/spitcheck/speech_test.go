package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spitfilter/spitfilter/testdata/corpus"
)

// corpusDir is where the test corpus is generated: $SPITFILTER_CORPUS_DIR
// to keep it between runs, else a temporary directory.
func corpusDir(t *testing.T) string {
	if d := os.Getenv("SPITFILTER_CORPUS_DIR"); d != "" {
		return d
	}
	return t.TempDir()
}

// knownMisses are small-corpus spam items PocketSphinx does not hear, with
// why. The test still requires that they raise no wrong detection.
var knownMisses = map[string]string{
	// espeak-ng's formant voice is the hardest for the en-us acoustic
	// model: on the full corpus spitcheck finds 2 of its 8 phrases (the
	// flite voices: 21 of 24). Here it hears "your social security on the".
	"spam-02-espeak": "espeak-ng voice",
}

// TestSpeechCorpus runs spitcheck with the real PocketSphinx engine on the
// small corpus (testdata/corpus): each spam capture must be reported with
// exit 1, the right rule and a start within 1 s of where the phrase is
// spoken; each negative (ordinary messages with near-miss words, real human
// recordings) with exit 0.
func TestSpeechCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("speech recognition of the corpus takes a minute")
	}
	items, err := corpus.Generate(context.Background(), corpusDir(t), corpus.Options{Small: true})
	if err != nil {
		t.Fatal(err)
	}
	config := filepath.Join("..", "..", "testdata", "corpus", "banned.yaml")
	for _, it := range items {
		t.Run(it.ID, func(t *testing.T) {
			rep, code, stderr := spitcheckJSON(t, "--config", config, "--engine", "pocketsphinx", it.Capture)
			if len(rep.Streams) != 1 {
				t.Fatalf("exit %d, %d streams, want 1; stderr: %s", code, len(rep.Streams), stderr)
			}
			s := rep.Streams[0]
			if s.Speech == nil || s.Speech.Error != "" {
				t.Fatalf("speech: %+v", s.Speech)
			}
			var got []string
			for _, d := range s.Detections {
				got = append(got, d.Rule)
			}
			switch it.Kind {
			case corpus.Spam:
				if why, ok := knownMisses[it.ID]; ok && len(s.Detections) == 0 {
					t.Logf("known miss (%s): %q not heard", why, it.Phrase)
					return
				}
				if code != exitFound || len(s.Detections) == 0 {
					t.Fatalf("%q (%s): exit %d, detections %v; want %q at %.2f s", it.Text, it.Voice, code, got, it.Phrase, it.PhraseStart)
				}
				for _, d := range s.Detections {
					if d.Rule != it.Phrase || math.Abs(d.Start-it.PhraseStart) > 1 {
						t.Errorf("detected %q at %.2f s; %q is spoken at %.2f s", d.Rule, d.Start, it.Phrase, it.PhraseStart)
					}
				}
				if s.Verdict != "mute" {
					t.Errorf("verdict %q, want mute", s.Verdict)
				}
			case corpus.Negative:
				if code != exitClean || len(s.Detections) > 0 {
					t.Errorf("%q (%s): exit %d, detections %s; want none", it.Text, it.Voice, code, strings.Join(got, ", "))
				}
			}
		})
	}
}
