package vosk

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// fakeFinder is a vocabulary: known words map to their symbol ids.
type fakeFinder map[string]int

func (f fakeFinder) FindWord(w string) int {
	if id, ok := f[w]; ok {
		return id
	}
	return -1
}

var vocab = fakeFinder{"<eps>": 0, "[unk]": 1, "free": 2, "cruise": 3, "press": 4, "one": 5, "social": 6, "security": 7}

func TestCheckPhrases(t *testing.T) {
	tests := []struct {
		name    string
		phrases []string
		want    []string
	}{
		{"none", nil, []string{}},
		{"one-word", []string{"cruise"}, []string{"cruise"}},
		{"phrases", []string{"free cruise", "press one"}, []string{"free cruise", "press one"}},
		{"normalised", []string{"  Free   CRUISE ", "social\tsecurity"}, []string{"free cruise", "social security"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkPhrases(vocab, tt.phrases, "/models/m")
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("checkPhrases (-want +got):\n- %q\n+ %q", tt.want, got)
			}
		})
	}
}

func TestCheckPhrasesOutOfVocabulary(t *testing.T) {
	tests := []struct {
		name    string
		phrases []string
		want    []VocabularyError
	}{
		{"one-word", []string{"free xyz"}, []VocabularyError{{"xyz", "free xyz", "/models/m"}}},
		{"upper-case-phrase-kept-as-given", []string{"Free XYZ"}, []VocabularyError{{"xyz", "Free XYZ", "/models/m"}}},
		{"every-one-reported", []string{"free cruise", "qux one", "press zork"}, []VocabularyError{
			{"qux", "qux one", "/models/m"}, {"zork", "press zork", "/models/m"},
		}},
		{"two-in-one-phrase", []string{"foo bar"}, []VocabularyError{{"foo", "foo bar", "/models/m"}, {"bar", "foo bar", "/models/m"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := checkPhrases(vocab, tt.phrases, "/models/m")
			if got != nil {
				t.Errorf("checkPhrases returned phrases %q with an error", got)
			}
			if !errors.Is(err, ErrNotInVocabulary) {
				t.Fatalf("checkPhrases = %v, want ErrNotInVocabulary", err)
			}
			var first *VocabularyError
			if !errors.As(err, &first) || *first != tt.want[0] {
				t.Errorf("errors.As (-want +got):\n- %+v\n+ %+v", tt.want[0], first)
			}
			var all []VocabularyError
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				all = append(all, *e.(*VocabularyError))
			}
			if !slices.Equal(all, tt.want) {
				t.Errorf("all errors (-want +got):\n- %+v\n+ %+v", tt.want, all)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		_, err := checkPhrases(vocab, []string{"free xyz"}, "/models/vosk-model-small-en-us-0.15")
		want := `vosk: banned word "xyz" (in "free xyz") is not in the model's vocabulary (/models/vosk-model-small-en-us-0.15)`
		if err == nil || err.Error() != want {
			t.Errorf("message (-want +got):\n- %s\n+ %v", want, err)
		}
	})
}

func TestCheckPhrasesEmpty(t *testing.T) {
	for _, phrases := range [][]string{{""}, {"free cruise", "  "}} {
		t.Run(strings.Join(phrases, "|"), func(t *testing.T) {
			_, err := checkPhrases(vocab, phrases, "/models/m")
			if !errors.Is(err, ErrPhrase) {
				t.Fatalf("checkPhrases(%q) = %v, want ErrPhrase", phrases, err)
			}
			if want := "phrase " + string(rune('0'+len(phrases))) + " of"; !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not say which phrase (%q)", err, want)
			}
		})
	}
}

func TestGrammarJSON(t *testing.T) {
	tests := []struct {
		name    string
		phrases []string
		want    string
	}{
		{"one", []string{"free cruise"}, `["free cruise","[unk]"]`},
		{"several", []string{"free cruise", "press one"}, `["free cruise","press one","[unk]"]`},
		{"no-html-escapes", []string{"a<b&c"}, `["a<b&c","[unk]"]`},
		{"utf8-kept", []string{"größe"}, `["größe","[unk]"]`},
		{"quote-escaped", []string{`don"t`}, `["don\"t","[unk]"]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Grow(slices.Clone(tt.phrases), 4) // room to append in place
			before := slices.Clone(in[:cap(in)])
			if got := grammarJSON(in); got != tt.want {
				t.Errorf("grammarJSON (-want +got):\n- %s\n+ %s", tt.want, got)
			}
			if after := in[:cap(in)]; !slices.Equal(before, after) {
				t.Errorf("grammarJSON wrote into its argument's spare capacity: %q", after)
			}
		})
	}
}
