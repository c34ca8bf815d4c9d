package enforce

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAction(t *testing.T) {
	tests := []struct {
		in   string
		want Action
		err  bool
	}{
		{"mute", ActionMute, false},
		{"bleep", ActionBleep, false},
		{"drop", ActionDrop, false},
		{"mark", ActionMark, false},
		{"log", ActionLog, false},
		{" MUTE\n", ActionMute, false},
		{"", None, true},
		{"none", None, true},
		{"accept", None, true},
		{"mute,drop", None, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAction(tt.in)
			if got != tt.want || (err != nil) != tt.err {
				t.Fatalf("(-want +got):\n-\t%v err=%v\n+\t%v %v", tt.want, tt.err, got, err)
			}
			if tt.err && (!errors.Is(err, ErrAction) || !strings.Contains(err.Error(), "want mute, bleep, drop, mark or log")) {
				t.Errorf("err = %v, want ErrAction listing the actions", err)
			}
			if !tt.err {
				b, err := got.MarshalText()
				if err != nil {
					t.Fatal(err)
				}
				var back Action
				if err := back.UnmarshalText(b); err != nil || back != got {
					t.Errorf("round trip %q: %v, %v", b, back, err)
				}
			}
		})
	}
	if _, err := None.MarshalText(); !errors.Is(err, ErrAction) {
		t.Errorf("None.MarshalText: %v, want ErrAction", err)
	}
}

// TestStrings: every verdict and reason has its own name, none falls back
// to the numeric form.
func TestStrings(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Verdicts() {
		s := v.String()
		if strings.HasPrefix(s, "verdict(") || seen[s] {
			t.Errorf("verdict %d: %q", v, s)
		}
		seen[s] = true
	}
	if len(Verdicts()) != int(numVerdicts) || Verdict(numVerdicts).String() != "verdict(5)" {
		t.Errorf("Verdicts() has %d, want %d", len(Verdicts()), numVerdicts)
	}
	for _, r := range Reasons() {
		s := r.String()
		if strings.HasPrefix(s, "reason(") || seen[s] {
			t.Errorf("reason %d: %q", r, s)
		}
		seen[s] = true
	}
	if Verdict(0) != Accept {
		t.Error("the zero verdict is not accept")
	}
	if !Mute.Modifies() || !Bleep.Modifies() || Accept.Modifies() || Drop.Modifies() || Mark.Modifies() {
		t.Error("Modifies")
	}
}

// TestPass: traffic that never reaches Apply is accepted and counted.
func TestPass(t *testing.T) {
	e := New(Config{})
	e.Pass(ReasonMalformed)
	e.Pass(ReasonNoStream)
	if got := e.Pass(200); got != (Result{Reason: ReasonNoStream}) {
		t.Errorf("Pass(200) = %+v", got)
	}
	s := e.Stats()
	if s.Verdict(Accept) != 3 || s.Reason(ReasonMalformed) != 1 || s.Reason(ReasonNoStream) != 2 || s.Verdict(200) != 0 {
		t.Errorf("accept %d malformed %d no stream %d", s.Verdict(Accept), s.Reason(ReasonMalformed), s.Reason(ReasonNoStream))
	}
}

func TestSeverity(t *testing.T) {
	order := []Action{None, ActionLog, ActionMark, ActionBleep, ActionMute, ActionDrop}
	for i := 1; i < len(order); i++ {
		if order[i-1].Severity() >= order[i].Severity() {
			t.Errorf("%v (%d) not below %v (%d)", order[i-1], order[i-1].Severity(), order[i], order[i].Severity())
		}
	}
}
