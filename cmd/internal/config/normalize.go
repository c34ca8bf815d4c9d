package config

import (
	"strings"
	"unicode"
)

// NormalizePhrase returns s as the matcher compares words: lower case,
// words separated by single spaces, punctuation dropped, and digits spelled
// as the words a recognizer hears.
//
//   - A word is a run of letters (and combining marks) with apostrophes
//     inside it ("don't", "o'clock"); apostrophes at its ends are dropped and
//     the typographic apostrophe ’ is written '. Everything else (hyphens,
//     dots, commas, symbols) separates words: "gift-card" is "gift card".
//   - A run of ASCII digits from 0 to 99 is spelled as a number: "1" is
//     "one", "42" is "forty two" (no hyphen: each is its own dictionary
//     word). Longer runs, and runs with a leading zero, are spelled digit by
//     digit, as phone numbers and PINs are read: "911" is "nine one one",
//     "07" is "zero seven". Digits next to letters are their own words:
//     "mp3" is "mp three".
//
// NormalizePhrase is idempotent, and the result is "" when s has no words.
func NormalizePhrase(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	word := func(w string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r >= '0' && r <= '9':
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			spellDigits(string(rs[i:j]), word)
			i = j
		case isLetter(r):
			j := i
			for j < len(rs) && (isLetter(rs[j]) || isApostrophe(rs[j])) {
				j++
			}
			w := strings.ReplaceAll(string(rs[i:j]), "’", "'")
			word(strings.ToLower(strings.TrimRight(w, "'")))
			i = j
		default:
			i++
		}
	}
	return b.String()
}

func isLetter(r rune) bool    { return unicode.IsLetter(r) || unicode.IsMark(r) }
func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

// spellDigits emits the words for a run of ASCII digits.
func spellDigits(d string, word func(string)) {
	switch {
	case len(d) == 1:
		word(small[d[0]-'0'])
	case len(d) == 2 && d[0] != '0':
		n := int(d[0]-'0')*10 + int(d[1]-'0')
		if n < 20 {
			word(small[n])
			return
		}
		word(tens[n/10])
		if n%10 != 0 {
			word(small[n%10])
		}
	default:
		for i := 0; i < len(d); i++ {
			word(small[d[i]-'0'])
		}
	}
}

var small = [20]string{
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
}

var tens = [10]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
