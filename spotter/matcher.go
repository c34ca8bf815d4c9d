package spotter

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Rule is one thing to listen for.
type Rule struct {
	// Name identifies the rule in detections; default: the phrase, or the
	// pattern's text.
	Name string
	// Phrase is a banned word or phrase; it is normalised (see Normalize),
	// so "Press 1" and "press one" are the same rule. Empty for patterns.
	Phrase string
	// Pattern is a regular expression matched against the running
	// transcript (normalised words joined by single spaces). Nil for
	// phrases.
	Pattern *regexp.Regexp
	// Action is passed through to detections (mute, bleep, drop, mark, log).
	Action string
	// MinConfidence is the lowest word confidence (0 to 1) a match may
	// have.
	MinConfidence float64
}

// Kind reports the rule's kind.
func (r *Rule) Kind() Kind {
	switch {
	case r.Pattern != nil:
		return KindPattern
	case strings.Contains(r.Phrase, " "):
		return KindPhrase
	}
	return KindWord
}

// Matcher finds rules in recognised words. It holds no per-stream state and
// is safe for concurrent use; the running transcript lives in a Transcript.
type Matcher struct {
	phrases  []phraseRule
	patterns []Rule
	byFirst  map[string][]int // first word -> indexes into phrases
}

type phraseRule struct {
	Rule
	words []string
}

// ErrRule is wrapped by NewMatcher's errors.
var ErrRule = errors.New("spotter: bad rule")

// NewMatcher checks and indexes the rules.
func NewMatcher(rules []Rule) (*Matcher, error) {
	m := &Matcher{byFirst: map[string][]int{}}
	for i, r := range rules {
		if r.MinConfidence < 0 || r.MinConfidence > 1 {
			return nil, fmt.Errorf("%w %d: min confidence %v outside 0..1", ErrRule, i, r.MinConfidence)
		}
		if r.Pattern != nil {
			if r.Name == "" {
				r.Name = r.Pattern.String()
			}
			m.patterns = append(m.patterns, r)
			continue
		}
		r.Phrase = Normalize(r.Phrase)
		if r.Phrase == "" {
			return nil, fmt.Errorf("%w %d: empty phrase", ErrRule, i)
		}
		if r.Name == "" {
			r.Name = r.Phrase
		}
		words := strings.Fields(r.Phrase)
		m.byFirst[words[0]] = append(m.byFirst[words[0]], len(m.phrases))
		m.phrases = append(m.phrases, phraseRule{Rule: r, words: words})
	}
	return m, nil
}

// Phrases returns the normalised banned phrases, for a recognizer's
// vocabulary.
func (m *Matcher) Phrases() []string {
	out := make([]string, 0, len(m.phrases))
	for _, p := range m.phrases {
		out = append(out, p.Phrase)
	}
	return out
}

// HasPatterns reports whether some rule is a pattern (these need full
// recognition: keyword spotting only hears the phrases).
func (m *Matcher) HasPatterns() bool { return len(m.patterns) > 0 }

// token is one normalised word with its times, in stream time.
type token struct {
	text       string
	start, end time.Duration
	conf       float64
}

// appendTokens splits words into normalised tokens: a keyword spotter reports a
// whole phrase as one word, and numbers may come as digits.
func appendTokens(dst []token, words []Word, offset time.Duration) []token {
	for _, w := range words {
		for _, f := range strings.Fields(Normalize(w.Text)) {
			dst = append(dst, token{text: f, start: w.Start + offset, end: w.End + offset, conf: w.Confidence})
		}
	}
	return dst
}

// matchPhrases appends a detection for every banned phrase found in toks
// that ends at or after token from (earlier ones were reported before).
func (m *Matcher) matchPhrases(dst []Detection, toks []token, from int, partial bool) []Detection {
	for i := range toks {
		for _, pi := range m.byFirst[toks[i].text] {
			p := &m.phrases[pi]
			if i+len(p.words) > len(toks) {
				continue
			}
			conf, ok := 1.0, true
			for k, w := range p.words {
				t := toks[i+k]
				if t.text != w {
					ok = false
					break
				}
				conf = min(conf, t.conf)
			}
			if !ok || conf < p.MinConfidence || i+len(p.words)-1 < from {
				continue
			}
			dst = append(dst, Detection{
				Rule: p.Name, Kind: p.Kind(), Text: p.Phrase, Action: p.Action,
				Confidence: conf, Start: toks[i].start, End: toks[i+len(p.words)-1].end,
				Partial: partial,
			})
		}
	}
	return dst
}

// matchPatterns appends a detection for every pattern match in toks that
// ends at or after token from (earlier matches were reported before).
func (m *Matcher) matchPatterns(dst []Detection, toks []token, from int, partial bool) []Detection {
	if len(m.patterns) == 0 || len(toks) == 0 {
		return dst
	}
	var b strings.Builder
	offs := make([]int, len(toks)) // byte offset of each token in the transcript
	for i, t := range toks {
		if i > 0 {
			b.WriteByte(' ')
		}
		offs[i] = b.Len()
		b.WriteString(t.text)
	}
	text := b.String()
	tokenAt := func(off int) int { // the token holding byte off
		lo, hi := 0, len(offs)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			if offs[mid] <= off {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		return lo
	}
	for _, p := range m.patterns {
		for _, loc := range p.Pattern.FindAllStringIndex(text, -1) {
			if loc[1] <= loc[0] {
				continue
			}
			first, last := tokenAt(loc[0]), tokenAt(loc[1]-1)
			if last < from {
				continue
			}
			conf := 1.0
			for _, t := range toks[first : last+1] {
				conf = min(conf, t.conf)
			}
			if conf < p.MinConfidence {
				continue
			}
			dst = append(dst, Detection{
				Rule: p.Name, Kind: KindPattern, Text: text[loc[0]:loc[1]], Action: p.Action,
				Confidence: conf, Start: toks[first].start, End: toks[last].end, Partial: partial,
			})
		}
	}
	return dst
}
