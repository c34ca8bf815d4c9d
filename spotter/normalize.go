package spotter

import (
	"strconv"
	"strings"
	"unicode"
)

var ones = [...]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}

var tens = [...]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}

// numberWords spells n (0 to 999999) the way a recognizer's dictionary
// writes it: 21 -> "twenty one", 911 -> "nine hundred eleven".
func numberWords(n int) []string {
	switch {
	case n < 20:
		return []string{ones[n]}
	case n < 100:
		w := []string{tens[n/10]}
		if n%10 != 0 {
			w = append(w, ones[n%10])
		}
		return w
	case n < 1000:
		w := []string{ones[n/100], "hundred"}
		if n%100 != 0 {
			w = append(w, numberWords(n%100)...)
		}
		return w
	}
	w := append(numberWords(n/1000), "thousand")
	if n%1000 != 0 {
		w = append(w, numberWords(n%1000)...)
	}
	return w
}

// Normalize returns text as the matcher compares it: lower case, words
// separated by single spaces, punctuation other than apostrophes inside
// words dropped, and numbers spelled out ("Press 1!" -> "press one"). Numbers
// of up to six digits are spelled as a number ("20" -> "twenty"), longer
// digit strings digit by digit, as phone numbers are read.
func Normalize(text string) string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\''
	}) {
		f = strings.Trim(f, "'")
		if f == "" {
			continue
		}
		out = appendToken(out, f)
	}
	return strings.Join(out, " ")
}

// appendToken appends f, with runs of digits spelled out.
func appendToken(out []string, f string) []string {
	start := 0
	for i := 0; i <= len(f); i++ {
		if i < len(f) && (f[i] >= '0' && f[i] <= '9') == (f[start] >= '0' && f[start] <= '9') {
			continue
		}
		part := f[start:i]
		if part[0] >= '0' && part[0] <= '9' {
			if n, err := strconv.Atoi(part); err == nil && len(part) <= 6 && (part[0] != '0' || len(part) == 1) {
				out = append(out, numberWords(n)...)
			} else {
				for _, d := range part {
					out = append(out, ones[d-'0'])
				}
			}
		} else {
			out = append(out, part)
		}
		start = i
	}
	return out
}
