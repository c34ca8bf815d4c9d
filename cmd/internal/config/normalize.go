package config

import "github.com/spitfilter/spitfilter/spotter"

// NormalizePhrase returns s as the matcher compares words: lower case,
// words separated by single spaces, punctuation other than apostrophes
// inside words dropped, and digits spelled as words ("Press 1!" is "press
// one"; numbers of up to six digits are spelled as numbers, longer digit
// strings digit by digit). It is spotter.Normalize, the matcher's own
// normaliser, so that what Validate calls a duplicate or an empty phrase is
// exactly what the matcher would; it returns "" when s has no words.
func NormalizePhrase(s string) string { return spotter.Normalize(s) }
