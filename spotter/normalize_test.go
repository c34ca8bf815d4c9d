package spotter

import "testing"

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Press 1 NOW!", "press one now"},
		{"press one", "press one"},
		{"  Free   cruise. ", "free cruise"},
		{"you've won $1000", "you've won one thousand"},
		{"call 18005551234", "call one eight zero zero five five five one two three four"},
		{"route 66", "route sixty six"},
		{"911", "nine hundred eleven"},
		{"007", "zero zero seven"},
		{"20", "twenty"},
		{"1st", "one st"},
		{"'quoted'", "quoted"},
		{"", ""},
		{"...", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Normalize(tc.in); got != tc.want {
				t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Press 1", "call 18005551234", "x9y", "0000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Errorf("Normalize not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
	})
}
