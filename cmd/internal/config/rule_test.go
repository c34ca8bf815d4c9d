package config

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizePhrase(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"case and spaces", "  Free   CRUISE ", "free cruise"},
		{"punctuation", "Press 1, now!", "press one now"},
		{"hyphen splits", "gift-card", "gift card"},
		{"apostrophe kept inside", "don't 'hang' up", "don't hang up"},
		{"two-digit number", "route 66", "route sixty six"},
		{"teens", "13", "thirteen"},
		{"leading zero digit by digit", "007", "zero zero seven"},
		{"digits beside letters", "mp3", "mp three"},
		{"no words", "?!", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizePhrase(tc.in); got != tc.want {
				t.Errorf("NormalizePhrase(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if again := NormalizePhrase(tc.want); again != tc.want {
				t.Errorf("not idempotent: NormalizePhrase(%q) = %q", tc.want, again)
			}
		})
	}
}

func TestRules(t *testing.T) {
	c, err := Load("testdata/sample.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Name: "free cruise", Kind: KindPhrase, Text: "free cruise", Action: ActionMute, MinConfidence: 0.3},
		{Name: "press one", Kind: KindPhrase, Text: "press one", Action: ActionMute, MinConfidence: 0.3},
		{Name: "social security number", Kind: KindPhrase, Text: "social security number", Action: ActionDrop, MinConfidence: 0.6},
		{Name: "car-warranty", Kind: KindWord, Text: "warranty", Action: ActionMute, MinConfidence: 0.3},
		{Name: "press (one|nine) (now|to)", Kind: KindPattern, Text: "press (one|nine) (now|to)", Pattern: regexp.MustCompile("press (one|nine) (now|to)"), Action: ActionMute, MinConfidence: 0.3},
		{Name: "gift-card", Kind: KindPattern, Text: "gift cards?", Pattern: regexp.MustCompile("gift cards?"), Action: ActionLog, MinConfidence: 0.3},
	}
	got := c.Rules()
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b *regexp.Regexp) bool {
		return (a == nil) == (b == nil) && (a == nil || a.String() == b.String())
	})); diff != "" {
		t.Errorf("Rules (-want +got):\n%s", diff)
	}
	if !got[4].Pattern.MatchString("please press nine now") {
		t.Error("pattern rule does not match its transcript")
	}
}

func TestRulesInheritZeroAction(t *testing.T) {
	c := &Config{Banned: []Phrase{{Text: "x"}}}
	if got := c.Rules(); len(got) != 1 || got[0].Action != ActionMute {
		t.Errorf("Rules() = %+v, want one rule with action mute", got)
	}
}

func TestAddWords(t *testing.T) {
	tests := []struct {
		name    string
		banned  []Phrase
		words   []string
		want    []Phrase
		wantErr string
	}{
		{"adds", nil, []string{"free cruise", "gift"}, []Phrase{{Text: "free cruise"}, {Text: "gift"}}, ""},
		{"already banned is kept once", []Phrase{{Text: "Free cruise", Action: ActionDrop}}, []string{"free  cruise!", "x", "X"},
			[]Phrase{{Text: "Free cruise", Action: ActionDrop}, {Text: "x"}}, ""},
		{"empty word adds nothing", []Phrase{{Text: "a"}}, []string{"b", "", "--"}, []Phrase{{Text: "a"}},
			`word "": empty phrase` + "\n" + `word "--": empty phrase`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.Banned = tc.banned
			err := c.AddWords(tc.words...)
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr || !errors.Is(err, ErrEmptyPhrase) {
					t.Fatalf("AddWords error %v, want %q", err, tc.wantErr)
				}
			}
			if diff := cmp.Diff(tc.want, c.Banned); diff != "" {
				t.Errorf("Banned (-want +got):\n%s", diff)
			}
			if err := c.Validate(); err != nil {
				t.Errorf("Validate after AddWords: %v", err)
			}
		})
	}
}

func TestActionText(t *testing.T) {
	for a := ActionMute; a <= ActionLog; a++ {
		b, err := a.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Action
		if err := back.UnmarshalText(b); err != nil || back != a {
			t.Errorf("%v: UnmarshalText(%q) = %v, %v", a, b, back, err)
		}
	}
	if _, err := ActionInherit.MarshalText(); err != nil {
		t.Errorf("inherit: %v", err)
	}
	if _, err := Action(9).MarshalText(); !errors.Is(err, ErrUnknownValue) {
		t.Errorf("Action(9).MarshalText() error %v, want ErrUnknownValue", err)
	}
	var a Action
	if err := a.UnmarshalText([]byte("inherit")); err == nil || !strings.Contains(err.Error(), "want mute, bleep, drop, mark or log") {
		t.Errorf(`UnmarshalText("inherit") error %v`, err)
	}
}
