package spotter

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
)

// words makes timed words: "free:0.9 cruise" -> one word per field, 0.5 s
// each, confidence after the colon (default 1).
func words(s string) []Word {
	var out []Word
	for i, f := range strings.Fields(s) {
		text, conf := f, 1.0
		if j := strings.IndexByte(f, ':'); j >= 0 {
			text = f[:j]
			conf = 0
			for _, c := range f[j+1:] {
				if c >= '0' && c <= '9' {
					conf = conf*10 + float64(c-'0')
				}
			}
			for conf >= 1 {
				conf /= 10
			}
		}
		text = strings.ReplaceAll(text, "_", " ")
		out = append(out, Word{Text: text, Start: time.Duration(i) * 500 * time.Millisecond, End: time.Duration(i+1) * 500 * time.Millisecond, Confidence: conf})
	}
	return out
}

func TestMatcher(t *testing.T) {
	rules := []Rule{
		{Phrase: "Free Cruise", Action: "mute"},
		{Phrase: "press 1", Action: "drop"},
		{Phrase: "warrant", Action: "log", MinConfidence: 0.5},
		{Name: "gift-card", Pattern: regexp.MustCompile(`gift cards?`), Action: "mute"},
		{Pattern: regexp.MustCompile(`(one|two) hundred dollars`), Action: "bleep"},
	}
	m, err := NewMatcher(rules)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, words string
		want        []string // rule@start-end
	}{
		{"phrase", "you won a free cruise today", []string{"free cruise@1.5-2.5"}},
		{"phrase as one keyword", "free_cruise", []string{"free cruise@0.0-0.5"}},
		{"digits normalised", "now press 1", []string{"press one@0.5-1.5"}},
		{"spelled number", "now press one", []string{"press one@0.5-1.5"}},
		{"not a phrase when apart", "free the cruise", nil},
		{"word boundary", "warranty warrants", nil},
		{"single word", "an arrest warrant", []string{"warrant@1.0-1.5"}},
		{"below min confidence", "an arrest warrant:3", nil},
		{"case", "FREE Cruise", []string{"free cruise@0.0-1.0"}},
		{"pattern", "buy gift cards now", []string{"gift-card@0.5-1.5"}},
		{"pattern over numbers", "send 200 dollars", []string{"(one|two) hundred dollars@0.5-1.5"}},
		{"pattern needs whole match words", "giftcards", nil},
		{"two rules", "press one for a free cruise", []string{"press one@0.0-1.0", "free cruise@2.0-3.0"}},
		{"nothing", "hello how are you", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			toks := appendTokens(nil, words(tc.words), 0)
			var got []string
			for _, d := range append(m.matchPhrases(nil, toks, 0, false), m.matchPatterns(nil, toks, 0, false)...) {
				got = append(got, d.Rule+"@"+ftoa(d.Start)+"-"+ftoa(d.End))
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("(-want +got)\n-%v\n+%v", tc.want, got)
			}
		})
	}
}

func ftoa(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }

func TestMatcherKinds(t *testing.T) {
	m, err := NewMatcher([]Rule{{Phrase: "cruise"}, {Phrase: "free cruise"}, {Pattern: regexp.MustCompile("x")}})
	if err != nil {
		t.Fatal(err)
	}
	if k := m.phrases[0].Kind(); k != KindWord {
		t.Errorf("one word: kind %s", k)
	}
	if k := m.phrases[1].Kind(); k != KindPhrase {
		t.Errorf("two words: kind %s", k)
	}
	if !m.HasPatterns() {
		t.Error("HasPatterns false")
	}
	if got := strings.Join(m.Phrases(), "|"); got != "cruise|free cruise" {
		t.Errorf("Phrases() = %q", got)
	}
}

func TestMatcherErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    Rule
	}{
		{"empty", Rule{Phrase: "  ?! "}},
		{"confidence", Rule{Phrase: "x", MinConfidence: 1.5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewMatcher([]Rule{tc.r}); err == nil {
				t.Error("no error")
			}
		})
	}
}
