//go:build !novosk

package vosk

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/decode"
	"github.com/spitfilter/spitfilter/spotter"
)

// The tests and benchmarks in this file need a real Vosk model, which cannot
// be shipped or downloaded here: they run when SPITFILTER_VOSK_MODEL names a
// model directory (see the package doc) and skip otherwise.

const modelEnv = "SPITFILTER_VOSK_MODEL"

func openModel(tb testing.TB) *Engine {
	tb.Helper()
	dir := os.Getenv(modelEnv)
	if dir == "" {
		tb.Skipf("%s not set: run `spitcheck models fetch vosk-model-small-en-us-0.15` or unpack a model from https://alphacephei.com/vosk/models and point %s at it", modelEnv, modelEnv)
	}
	e, err := Open(Config{Model: dir})
	if err != nil {
		tb.Fatalf("Open(%s): %v", dir, err)
	}
	tb.Cleanup(func() { e.Close() })
	return e
}

// speak synthesises text with flite's slt voice, padded with lead and tail
// seconds of silence, resampled with sox to rate, and returns the PCM.
func speak(tb testing.TB, text string, rate int, lead, tail float64) []int16 {
	tb.Helper()
	for _, tool := range []string{"flite", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Fatalf("%s is needed to make test speech: %v (apt-get install flite sox)", tool, err)
		}
	}
	dir := tb.TempDir()
	raw, wav := filepath.Join(dir, "flite.wav"), filepath.Join(dir, "speech.wav")
	if out, err := exec.Command("flite", "-voice", "slt", "-t", text, "-o", raw).CombinedOutput(); err != nil {
		tb.Fatalf("flite: %v\n%s", err, out)
	}
	args := []string{"-D", raw, "-r", strconv.Itoa(rate), "-c", "1", "-b", "16", "-e", "signed-integer", wav,
		"pad", strconv.FormatFloat(lead, 'f', 3, 64), strconv.FormatFloat(tail, 'f', 3, 64)}
	if out, err := exec.Command("sox", args...).CombinedOutput(); err != nil {
		tb.Fatalf("sox %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	f, err := os.Open(wav)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	pcm, got, err := decode.ReadWAV(f)
	if err != nil || got != rate {
		tb.Fatalf("ReadWAV(%s) = %d Hz, %v; want %d Hz", wav, got, err, rate)
	}
	return pcm
}

// feed writes pcm in 20 ms frames, as the pipeline does.
func feed(tb testing.TB, r spotter.Recognizer, pcm []int16, rate int) {
	tb.Helper()
	frame := rate / 50
	for len(pcm) > 0 {
		n := min(frame, len(pcm))
		if err := r.Write(pcm[:n]); err != nil {
			tb.Fatalf("Write: %v", err)
		}
		pcm = pcm[n:]
	}
}

func texts(ws []spotter.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// findPhrase returns the index of phrase's first word in ws, or -1.
func findPhrase(ws []spotter.Word, phrase string) int {
	want := strings.Fields(phrase)
	got := texts(ws)
	for i := 0; i+len(want) <= len(got); i++ {
		if slices.Equal(got[i:i+len(want)], want) {
			return i
		}
	}
	return -1
}

// checkTimes checks that words are timed in order within d.
func checkTimes(t *testing.T, ws []spotter.Word, d time.Duration) {
	t.Helper()
	var last time.Duration
	for _, w := range ws {
		if w.Start < last || w.End < w.Start || w.End > d+100*time.Millisecond {
			t.Errorf("word %+v out of order or past the %v of audio (previous ended %v)", w, d, last)
		}
		if w.Confidence < 0 || w.Confidence > 1 {
			t.Errorf("word %+v: confidence outside [0, 1]", w)
		}
		last = w.End
	}
}

// TestSpeak checks the speech the model tests are made from, so that a broken
// flite or sox shows here, where there is no model, too.
func TestSpeak(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		t.Run(strconv.Itoa(rate), func(t *testing.T) {
			pcm := speak(t, "free cruise", rate, 0.5, 0.25)
			if d := float64(len(pcm)) / float64(rate); d < 1.1 || d > 3 {
				t.Errorf("speech lasts %.2f s, want between 1.1 and 3", d)
			}
			var loud int
			for _, s := range pcm[rate/2 : len(pcm)-rate/4] {
				if s > 1000 || s < -1000 {
					loud++
				}
			}
			if loud < rate/10 {
				t.Errorf("only %d samples above -30 dBFS: no speech", loud)
			}
			for i, s := range pcm[:rate/2] {
				if s != 0 {
					t.Fatalf("sample %d of the leading pad is %d, want silence", i, s)
				}
			}
		})
	}
}

func TestModelVocabulary(t *testing.T) {
	e := openModel(t)
	if e.SampleRate() < 8000 || e.Name() != "vosk" {
		t.Errorf("SampleRate, Name = %d, %q", e.SampleRate(), e.Name())
	}
	for _, w := range []string{"free", "cruise", "social", "security", "press", "one"} {
		if !e.Knows(w) {
			t.Errorf("Knows(%q) = false", w)
		}
	}
	for _, w := range []string{"qwzxjvk", "", "free cruise"} {
		if e.Knows(w) {
			t.Errorf("Knows(%q) = true", w)
		}
	}
	_, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"free cruise", "free qwzxjvk"}, Mode: spotter.ModeKeyword})
	var ve *VocabularyError
	if !errors.As(err, &ve) || ve.Word != "qwzxjvk" || ve.Phrase != "free qwzxjvk" || ve.Dir != e.Dir() {
		t.Errorf("NewRecognizer with an unknown word = %v, want a *VocabularyError for qwzxjvk", err)
	}
}

func TestModelRecognize(t *testing.T) {
	e := openModel(t)
	rate := e.SampleRate()
	pcm := speak(t, "Congratulations. You have won a free cruise to the Bahamas.", rate, 0.5, 1.0)
	dur := time.Duration(len(pcm)) * time.Second / time.Duration(rate)
	banned := []string{"free cruise", "social security"}
	for _, mode := range []spotter.Mode{spotter.ModeFull, spotter.ModeKeyword, spotter.ModeAuto} {
		t.Run("mode-"+cmpOr(string(mode), "auto"), func(t *testing.T) {
			r, err := e.NewRecognizer(spotter.Vocabulary{Phrases: banned, Mode: mode})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			feed(t, r, pcm, rate)
			partial := r.Partial(nil)
			words, err := r.Final(nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("heard %q", texts(words))
			i := findPhrase(words, "free cruise")
			if i < 0 {
				t.Fatalf("%q not heard in %q", "free cruise", texts(words))
			}
			if findPhrase(words, "social security") >= 0 {
				t.Errorf("%q heard in %q", "social security", texts(words))
			}
			checkTimes(t, words, dur)
			// flite says "free cruise" about 2/3 of the way in.
			if s := words[i].Start; s < dur/3 || s > dur {
				t.Errorf("free starts at %v of %v", s, dur)
			}
			if mode == spotter.ModeFull && len(words) < 5 {
				t.Errorf("full recognition heard only %q", texts(words))
			}
			if findPhrase(partial, "free cruise") < 0 {
				t.Errorf("Partial before Final = %q, missing %q", texts(partial), "free cruise")
			}
		})
	}
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// TestModelUtterances checks that times restart at each utterance: the same
// speech after Final, and after Reset, is timed as it was the first time,
// shifted by the silence put before it.
func TestModelUtterances(t *testing.T) {
	e := openModel(t)
	rate := e.SampleRate()
	speech := speak(t, "This is your free cruise.", rate, 0.3, 0.8)
	r, err := e.NewRecognizer(spotter.Vocabulary{Phrases: []string{"free cruise"}, Mode: spotter.ModeKeyword})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	start := func(words []spotter.Word) time.Duration {
		t.Helper()
		i := findPhrase(words, "free cruise")
		if i < 0 {
			t.Fatalf("%q not heard in %q", "free cruise", texts(words))
		}
		return words[i].Start
	}
	feed(t, r, speech, rate)
	first, err := r.Final(nil)
	if err != nil {
		t.Fatal(err)
	}
	t0 := start(first)

	feed(t, r, speech[:len(speech)/2], rate) // dropped by Reset
	r.Reset()

	const shift = time.Second
	feed(t, r, make([]int16, rate), rate)
	feed(t, r, speech, rate)
	second, err := r.Final(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := start(second) - t0 - shift; d < -150*time.Millisecond || d > 150*time.Millisecond {
		t.Errorf("after Final and Reset, free starts at %v; want %v + %v (first utterance) ±150ms", start(second), t0, shift)
	}
}

// BenchmarkRealTimeFactor measures each mode on the same synthesised speech,
// fed in 20 ms frames: processing time over audio time ("rtf", below 1 is
// faster than real time), and keyword mode's time as a ratio of full
// recognition's, measured in the same run.
func BenchmarkRealTimeFactor(b *testing.B) {
	e := openModel(b)
	rate := e.SampleRate()
	pcm := speak(b, "Hello. This is an important message about your social security number. Press one now to claim a free cruise.", rate, 0.3, 0.5)
	audio := time.Duration(len(pcm)) * time.Second / time.Duration(rate)
	banned := []string{"free cruise", "social security", "press one"}
	var spent [2]time.Duration
	for b.Loop() {
		for i, mode := range []spotter.Mode{spotter.ModeFull, spotter.ModeKeyword} {
			t0 := time.Now()
			r, err := e.NewRecognizer(spotter.Vocabulary{Phrases: banned, Mode: mode})
			if err != nil {
				b.Fatal(err)
			}
			feed(b, r, pcm, rate)
			if _, err := r.Final(nil); err != nil {
				b.Fatal(err)
			}
			r.Close()
			spent[i] += time.Since(t0)
		}
	}
	n := float64(b.N) * audio.Seconds()
	b.ReportMetric(spent[0].Seconds()/n, "full-rtf")
	b.ReportMetric(spent[1].Seconds()/n, "keyword-rtf")
	b.ReportMetric(spent[1].Seconds()/spent[0].Seconds(), "keyword/full")
}
