package vosk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// unkWord is Vosk's garbage word: in a grammar it soaks up the speech that is
// none of the phrases, so that not every sound is heard as a banned phrase.
const unkWord = "[unk]"

// finder looks words up in a model's vocabulary, as vosk_model_find_word
// does: a symbol id >= 0 when the word is known, -1 when not.
type finder interface {
	FindWord(word string) int
}

// checkPhrases returns the banned phrases normalised (lower case, single
// spaces) after checking that the model knows every word of every phrase.
// The error is ErrPhrase for a phrase with no words, or every unknown word
// as a [*VocabularyError], joined.
func checkPhrases(f finder, phrases []string, dir string) ([]string, error) {
	out := make([]string, 0, len(phrases))
	var errs []error
	for i, p := range phrases {
		words := strings.Fields(strings.ToLower(p))
		if len(words) == 0 {
			errs = append(errs, fmt.Errorf("%w: phrase %d of %d (%q) has no words", ErrPhrase, i+1, len(phrases), p))
			continue
		}
		for _, w := range words {
			if f.FindWord(w) < 0 {
				errs = append(errs, &VocabularyError{Word: w, Phrase: p, Dir: dir})
			}
		}
		out = append(out, strings.Join(words, " "))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// grammarJSON is the grammar libvosk takes for keyword mode: a JSON array of
// the phrases, then unkWord. phrases must have been through checkPhrases.
func grammarJSON(phrases []string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // libvosk's JSON reader knows no \u escapes
	if err := enc.Encode(append(phrases[:len(phrases):len(phrases)], unkWord)); err != nil {
		panic("vosk: encoding a string slice failed: " + err.Error()) // cannot happen
	}
	return strings.TrimSuffix(b.String(), "\n")
}
