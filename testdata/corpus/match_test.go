package corpus

import (
	"fmt"
	"testing"
)

func TestWords(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"punctuation", "Press ONE, now!", []string{"press", "one", "now"}},
		{"apostrophe kept", "it's your vehicle's", []string{"it's", "your", "vehicle's"}},
		{"sphinx alternate", "your(2) prize", []string{"your", "prize"}},
		{"empty", " .,; ", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := diffStrings(tc.want, Words(tc.in)); d != "" {
				t.Errorf("Words(%q) (-want +got):\n%s", tc.in, d)
			}
		})
	}
}

func TestFindPhrases(t *testing.T) {
	w := func(s string, a, b float64) Word { return Word{Text: s, Start: a, End: b} }
	phrases := []string{"free cruise", "press one", "gift card"}
	for _, tc := range []struct {
		name  string
		words []Word
		want  []Detection
	}{
		{"phrase timed from first to last word",
			[]Word{w("a", 0, 1), w("FREE", 1, 1.5), w("cruise", 1.6, 2.2), w("now", 2.3, 2.5)},
			[]Detection{{Phrase: "free cruise", Start: 1, End: 2.2}}},
		{"whole words only",
			[]Word{w("freedom", 0, 1), w("cruise", 1, 2), w("press", 2, 3), w("once", 3, 4)},
			nil},
		{"two phrases in order",
			[]Word{w("press", 0, 1), w("one", 1, 2), w("gift", 3, 4), w("card", 4, 5)},
			[]Detection{{Phrase: "press one", Start: 0, End: 2}, {Phrase: "gift card", Start: 3, End: 5}}},
		{"multi-word token from keyword spotting",
			[]Word{w("press one", 3.05, 3.62)},
			[]Detection{{Phrase: "press one", Start: 3.05, End: 3.62}}},
		{"broken by another word",
			[]Word{w("gift", 0, 1), w("<sil>", 1, 2), w("card", 2, 3)},
			nil},
		{"phrase at the very end",
			[]Word{w("press", 0, 1), w("one", 1, 2)},
			[]Detection{{Phrase: "press one", Start: 0, End: 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FindPhrases(tc.words, phrases)
			if d := diffStrings(detStrings(tc.want), detStrings(got)); d != "" {
				t.Errorf("FindPhrases (-want +got):\n%s", d)
			}
		})
	}
}

func detStrings(ds []Detection) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s %.3f-%.3f", d.Phrase, d.Start, d.End))
	}
	return out
}

func FuzzWords(f *testing.F) {
	for _, s := range []string{"Press ONE, now!", "your(2) prize", "((('", "ünïcödé wörds", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range Words(s) {
			if w == "" {
				t.Fatalf("Words(%q) returned an empty word", s)
			}
			if again := Words(w); len(again) != 1 || again[0] != w {
				t.Fatalf("Words(%q) = %q, not stable on its word %q: %q", s, Words(s), w, again)
			}
		}
		// A phrase made of the text's own words is found in it.
		ws := Words(s)
		if len(ws) > 0 {
			if got := PhrasesIn(s, []string{ws[0]}); len(got) == 0 {
				t.Fatalf("PhrasesIn(%q, %q) found nothing", s, ws[0])
			}
		}
	})
}
