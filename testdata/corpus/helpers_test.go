package corpus

import (
	"fmt"
	"strings"
)

// diffStrings returns "" when want and got are equal, and otherwise the
// lines of each, "-" for want and "+" for got, where they differ.
func diffStrings(want, got []string) string {
	var b strings.Builder
	for i := range max(len(want), len(got)) {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if i >= len(want) || i >= len(got) || w != g {
			if i < len(want) {
				fmt.Fprintf(&b, "-%d: %q\n", i, w)
			}
			if i < len(got) {
				fmt.Fprintf(&b, "+%d: %q\n", i, g)
			}
		}
	}
	return b.String()
}
