package corpus

import (
	"strings"
	"unicode"
)

// Word is one recognized word and its time in seconds from the start of the
// audio (zero when the recognizer gave none).
type Word struct {
	Text       string
	Start, End float64
}

// Detection is one banned phrase a recognizer reported in an item, with its
// time in seconds from the stream's first sample.
type Detection struct {
	Phrase     string  `json:"phrase"`
	Start      float64 `json:"start_s"`
	End        float64 `json:"end_s"`
	Confidence float64 `json:"confidence,omitempty"`
	// At is when the detection was made, in stream time, when the
	// recognizer says (spitcheck's detected_at_s); 0 otherwise.
	At float64 `json:"detected_at_s,omitempty"`
}

// Words splits text into lower-case words for whole-word matching: letters,
// digits and apostrophes are kept, anything else separates words, and a
// PocketSphinx alternate pronunciation suffix ("your(2)") is dropped.
func Words(text string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '(' && r != ')'
	}) {
		if i := strings.IndexByte(f, '('); i >= 0 {
			f = f[:i]
		}
		f = strings.Trim(f, "'()")
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// FindPhrases returns every occurrence of a phrase in words, matched
// case-insensitively on whole words, in order of the first word. A
// detection's time runs from its first word's start to its last word's
// end. Filler and silence tokens ("<s>", "<sil>", "[noise]") must be
// removed by the caller: they would break a phrase.
func FindPhrases(words []Word, phrases []string) []Detection {
	norm := make([]string, 0, len(words))
	idx := make([]int, 0, len(words)) // norm position -> words index
	for i, w := range words {
		for _, t := range Words(w.Text) {
			norm = append(norm, t)
			idx = append(idx, i)
		}
	}
	var out []Detection
	for i := range norm {
		for _, p := range phrases {
			pw := Words(p)
			if len(pw) == 0 || i+len(pw) > len(norm) {
				continue
			}
			match := true
			for k, t := range pw {
				if norm[i+k] != t {
					match = false
					break
				}
			}
			if match {
				first, last := words[idx[i]], words[idx[i+len(pw)-1]]
				out = append(out, Detection{Phrase: p, Start: first.Start, End: last.End})
			}
		}
	}
	return out
}

// textWords turns plain text into untimed Words for FindPhrases.
func textWords(text string) []Word {
	ws := Words(text)
	out := make([]Word, len(ws))
	for i, w := range ws {
		out[i] = Word{Text: w}
	}
	return out
}

// PhrasesIn returns the phrases that occur in text, whole words,
// case-insensitive, once per occurrence.
func PhrasesIn(text string, phrases []string) []string {
	var out []string
	for _, d := range FindPhrases(textWords(text), phrases) {
		out = append(out, d.Phrase)
	}
	return out
}
