package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
)

// TestSampleConfig keeps the shipped sample config valid.
func TestSampleConfig(t *testing.T) {
	c, err := config.Load("spitfilter.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rules()) == 0 || !c.FailOpen {
		t.Errorf("sample: %d rules, fail_open %v; want rules and fail-open", len(c.Rules()), c.FailOpen)
	}
}

// TestRunRefusesBadConfig: run starts nothing on a bad config and names
// the file, line and field.
func TestRunRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "banned: [car warranty]\nqueue_lenght: 10\n", []string{"bad.yaml:2:1", "queue_lenght"}},
		{"bad action", "action: mutee\n", []string{"bad.yaml:1:", "action"}},
		{"missing file", "", []string{"no such file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.yaml")
			if tc.yaml != "" {
				if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			var out, errb bytes.Buffer
			if code := run([]string{"run", "--config", path}, &out, &errb); code != 2 {
				t.Fatalf("exit %d, want 2; stderr:\n%s", code, errb.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(errb.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errb.String())
				}
			}
		})
	}
}

func TestRunRefusesBadAnalysisPriority(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--config", "spitfilter.yaml", "--analysis-priority", "fifo"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), `--analysis-priority: analysis priority "fifo": want idle or batch`) {
		t.Errorf("stderr does not say what is wrong:\n%s", errb.String())
	}
	for _, s := range []string{"idle", "batch"} {
		if p, err := ParseAnalysisPriority(s); err != nil || p.String() != s {
			t.Errorf("ParseAnalysisPriority(%q) = %v, %v", s, p, err)
		}
	}
}

func TestRunRefusesBadSpareRecognizers(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--config", "spitfilter.yaml", "--spare-recognizers", "-2"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), "--spare-recognizers -2: want 0 or more") {
		t.Errorf("stderr does not say what is wrong:\n%s", errb.String())
	}
	// The flag's -1 (default: one per worker) and 0 (none) become the
	// daemon's 0 and a negative number; counts pass as they are.
	for flag, want := range map[int]int{-1: 0, 0: -1, 3: 3} {
		if got := spareOption(flag); got != want {
			t.Errorf("spareOption(%d) = %d, want %d", flag, got, want)
		}
	}
}
