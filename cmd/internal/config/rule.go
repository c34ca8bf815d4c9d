package config

import (
	"fmt"
	"regexp"
	"strings"
)

// Kind is what a rule matches.
type Kind string

// Kinds of rule.
const (
	// KindWord is a banned phrase of one word.
	KindWord Kind = "word"
	// KindPhrase is a banned phrase of several words, matched in order
	// with nothing between them.
	KindPhrase Kind = "phrase"
	// KindPattern is a regular expression over the transcript.
	KindPattern Kind = "pattern"
)

// Rule is one thing to listen for, with every default resolved. It has only
// plain fields so that a matcher outside this package can be built from it.
type Rule struct {
	// Name names the rule in reports and events: the configured name, else
	// Text.
	Name string
	// Kind is word, phrase or pattern.
	Kind Kind
	// Text is the normalised phrase (NormalizePhrase) for words and
	// phrases, the expression for patterns.
	Text string
	// Pattern is the compiled expression of a pattern rule, nil otherwise.
	Pattern *regexp.Regexp
	// Action is what a match does; never ActionInherit.
	Action Action
	// MinConfidence is the lowest confidence that matches, 0 to 1.
	MinConfidence float64
}

// Rules returns the banned phrases, then the patterns, as rules, in file
// order. It expects a valid Config (see Validate) and leaves out the
// entries Validate rejects: empty phrases and patterns that do not compile.
func (c *Config) Rules() []Rule {
	rules := make([]Rule, 0, len(c.Banned)+len(c.Patterns))
	for _, p := range c.Banned {
		text := NormalizePhrase(p.Text)
		if text == "" {
			continue
		}
		kind := KindWord
		if strings.Contains(text, " ") {
			kind = KindPhrase
		}
		rules = append(rules, Rule{
			Name:          or(p.Name, text),
			Kind:          kind,
			Text:          text,
			Action:        c.ruleAction(p.Action),
			MinConfidence: c.ruleConfidence(p.MinConfidence),
		})
	}
	for _, p := range c.Patterns {
		re, err := regexp.Compile(p.Expr)
		if err != nil || p.Expr == "" {
			continue
		}
		rules = append(rules, Rule{
			Name:          or(p.Name, p.Expr),
			Kind:          KindPattern,
			Text:          p.Expr,
			Pattern:       re,
			Action:        c.ruleAction(p.Action),
			MinConfidence: c.ruleConfidence(p.MinConfidence),
		})
	}
	return rules
}

// AddWords bans more words or phrases with the config's action and
// confidence, as spitcheck's --word does. A word that is already banned
// (after NormalizePhrase) is left as it is; a word with no letters or
// digits is an error naming it, and then none are added.
func (c *Config) AddWords(words ...string) error {
	have := make(map[string]bool, len(c.Banned)+len(words))
	for _, p := range c.Banned {
		have[NormalizePhrase(p.Text)] = true
	}
	var errs []error
	var add []Phrase
	for _, w := range words {
		n := NormalizePhrase(w)
		switch {
		case n == "":
			errs = append(errs, &Error{Field: fmt.Sprintf("word %q", w), Err: ErrEmptyPhrase})
		case !have[n]:
			have[n] = true
			add = append(add, Phrase{Text: w})
		}
	}
	if len(errs) > 0 {
		return joinErrors(errs)
	}
	c.Banned = append(c.Banned, add...)
	return nil
}

func (c *Config) ruleAction(a Action) Action {
	if a != ActionInherit {
		return a
	}
	if c.Action != ActionInherit {
		return c.Action
	}
	return ActionMute
}

func (c *Config) ruleConfidence(f *float64) float64 {
	if f != nil {
		return *f
	}
	return c.MinConfidence
}

func or(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}
