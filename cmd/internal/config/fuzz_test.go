package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse checks that Parse never panics, that each of its errors is an
// *Error naming the file (and, except for some YAML syntax errors, the
// line), and that whatever it accepts validates again, yields a rule per
// phrase and pattern, and survives Marshal and Parse unchanged.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/sample.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	for _, s := range []string{
		"",
		"banned: [free cruise, 'Press 1!', {phrase: x, action: drop, min_confidence: 0.5}]\n",
		"patterns:\n  - '(a|b)+'\n  - pattern: 'c'\n    name: n\n",
		"queue: 0-3\nrtp_ports: 5004,10000-20000\nmark: 0xff\nhold: 1m\n",
		"a: &x [1]\nbanned: *x\n",
		"hooks: {exec: /bin/true, webhook: 'http://[::1]:80/x', timeout: 1s}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("f.yaml", data)
		if err != nil {
			for _, e := range unjoin(err) {
				var ce *Error
				if !errors.As(e, &ce) || ce.File != "f.yaml" {
					t.Fatalf("error %q is not an *Error naming the file", e)
				}
				if ce.Line == 0 && !errors.Is(ce, ErrSyntax) {
					t.Fatalf("error %q has no line", e)
				}
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted config does not validate again: %v", err)
		}
		if n, want := len(c.Rules()), len(c.Banned)+len(c.Patterns); n != want {
			t.Fatalf("%d rules from %d phrases and patterns", n, want)
		}
		out, err := c.Marshal()
		if err != nil {
			t.Fatalf("Marshal: %v", err)
		}
		back, err := Parse("marshalled.yaml", out)
		if err != nil {
			t.Fatalf("Parse(Marshal()): %v\n%s", err, out)
		}
		if diff := configDiff(c, back); diff != "" {
			t.Fatalf("Parse(Marshal()) (-want +got):\n%s\n%s", diff, out)
		}
	})
}
