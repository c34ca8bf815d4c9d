package obs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzSplitArgs checks that splitArgs never panics and that the words it
// returns, single-quoted as a shell would quote them, split back the same.
func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`hangup --pbx asterisk`, `say 'two words' "and \"three\""`, `a\ b '' ""`, `'open`, "tab\tnew\nline"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := splitArgs(s)
		if err != nil {
			return
		}
		var q []string
		for _, w := range words {
			q = append(q, "'"+strings.ReplaceAll(w, "'", `'\''`)+"'")
		}
		back, err := splitArgs(strings.Join(q, " "))
		if err != nil {
			t.Fatalf("quoted %q: %v", q, err)
		}
		if diff := cmp.Diff(words, back); diff != "" {
			t.Errorf("round trip of %q (-first +second):\n%s", s, diff)
		}
	})
}

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"  ", nil},
		{"/usr/local/bin/hangup", []string{"/usr/local/bin/hangup"}},
		{"hangup  --pbx\tasterisk ", []string{"hangup", "--pbx", "asterisk"}},
		{`say 'two words' "and \"three\" $HOME"`, []string{"say", "two words", `and "three" $HOME`}},
		{`a\ b '' "" c'd'e`, []string{"a b", "", "", "cde"}},
		{`"back\slash" 'no\escape'`, []string{`back\slash`, `no\escape`}},
		{`$(rm -rf /) ; | > *`, []string{"$(rm", "-rf", "/)", ";", "|", ">", "*"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := splitArgs(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("splitArgs(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
	for _, bad := range []string{`'open`, `"open`, `trailing\`} {
		if _, err := splitArgs(bad); err == nil {
			t.Errorf("splitArgs(%q) succeeded, want an error", bad)
		}
	}
}
