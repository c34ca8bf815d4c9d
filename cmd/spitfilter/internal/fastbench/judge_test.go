package fastbench

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseJudge(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Judge
		wantErr error
	}{
		{"simple", "c=bin/judge {queue} 4096", Judge{Name: "c", Argv: []string{"bin/judge", "{queue}", "4096"}}, nil},
		{"daemon", "spitfilter=bin/spitfilter run --config /tmp/x.yaml",
			Judge{Name: "spitfilter", Argv: []string{"bin/spitfilter", "run", "--config", "/tmp/x.yaml"}}, nil},
		{"quoted argument", `sh=sh -c 'exec judge "$Q"'`, Judge{Name: "sh", Argv: []string{"sh", "-c", `exec judge "$Q"`}}, nil},
		{"extra spaces", "  go =  gojudge   -queue  {queue} ", Judge{Name: "go", Argv: []string{"gojudge", "-queue", "{queue}"}}, nil},
		{"equals in argument", "x=cmd --a=b", Judge{Name: "x", Argv: []string{"cmd", "--a=b"}}, nil},
		{"no equals", "bin/judge 0", Judge{}, ErrJudgeSpec},
		{"empty name", "=bin/judge", Judge{}, ErrJudgeSpec},
		{"bad name", "a b=bin/judge", Judge{}, ErrJudgeSpec},
		{"no command", "c=  ", Judge{}, ErrJudgeSpec},
		{"open quote", "c=judge 'x", Judge{}, ErrJudgeSpec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJudge(tt.in)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ParseJudge(%q) error = %v, want %v", tt.in, err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseJudge(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestJudgeExpand(t *testing.T) {
	j := Judge{Name: "x", Argv: []string{"cmd", "{queue}", "--queue={queue}", "plain"}}
	want := []string{"cmd", "7", "--queue=7", "plain"}
	if diff := cmp.Diff(want, j.expand(7)); diff != "" {
		t.Errorf("expand (-want +got):\n%s", diff)
	}
	if j.Argv[1] != "{queue}" {
		t.Errorf("expand changed the judge's own Argv: %q", j.Argv)
	}
}

func TestConfigDefaults(t *testing.T) {
	j := []Judge{{Name: "go", Argv: []string{"g"}}, {Name: "c", Argv: []string{"c"}}}
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
		wantRef string
	}{
		{"reference defaults to c", Config{Judges: j}, nil, "c"},
		{"reference given", Config{Judges: j, Reference: "go"}, nil, "go"},
		{"reference defaults to first", Config{Judges: j[:1]}, nil, "go"},
		{"unknown reference", Config{Judges: j, Reference: "x"}, ErrConfig, ""},
		{"no judges", Config{}, ErrConfig, ""},
		{"duplicate judge", Config{Judges: []Judge{j[0], j[0]}}, ErrConfig, ""},
		{"rate too low", Config{Judges: j, Rates: []int{5}}, ErrConfig, ""},
		{"port too high", Config{Judges: j, Port: 65535}, ErrConfig, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.setDefaults()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("setDefaults error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.cfg.Reference != tt.wantRef {
				t.Errorf("Reference = %q, want %q", tt.cfg.Reference, tt.wantRef)
			}
			if diff := cmp.Diff([]int{10000, 40000}, tt.cfg.Rates); diff != "" {
				t.Errorf("Rates (-want +got):\n%s", diff)
			}
			if tt.cfg.Port != 30000 || tt.cfg.Logger == nil || tt.cfg.Duration <= 0 || tt.cfg.SearchMax <= 0 {
				t.Errorf("defaults not filled in: %+v", tt.cfg)
			}
		})
	}
}
