package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spitfilter/spitfilter/cmd/internal/config"
	"github.com/spitfilter/spitfilter/spotter/remote"
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

func TestRunRefusesBadRecognizers(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--config", "spitfilter.yaml", "--recognizers", "thread"}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, errb.String())
	}
	if !strings.Contains(errb.String(), `--recognizers: recognizers "thread": want process or inline`) {
		t.Errorf("stderr does not say what is wrong:\n%s", errb.String())
	}
	for _, s := range []string{"process", "inline"} {
		if r, err := ParseRecognizers(s); err != nil || r.String() != s {
			t.Errorf("ParseRecognizers(%q) = %v, %v", s, r, err)
		}
	}
	if got := recognizerArgv("/x/spitfilter", "pocketsphinx", "/m", "/etc/s.yaml"); strings.Join(got, " ") != "/x/spitfilter recognizer --engine pocketsphinx --model /m --config /etc/s.yaml" {
		t.Errorf("recognizerArgv: %q", got)
	}
}

// TestRecognizerCommand: "spitfilter recognizer" started by hand (no
// control socket) says it is the daemon's to start; started by the daemon
// with an engine that cannot be opened, it hands the daemon the engine's
// error, which names the model.
func TestRecognizerCommand(t *testing.T) {
	exe, err := os.Executable() // the test binary is spitfilter too (TestMain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(exe, "recognizer", "--engine", "pocketsphinx").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(b), "started by spitfilter run, not by hand") {
		t.Errorf("by hand: exit %d, output %q", code, b)
	}
	missing := filepath.Join(t.TempDir(), "no-model")
	_, err = remote.Start(remote.Options{Argv: recognizerArgv(exe, "vosk", missing, "")})
	if err == nil || !strings.Contains(err.Error(), "no-model") {
		t.Errorf("engine that cannot be opened: %v, want the engine's error naming the model", err)
	}
}

// exitCode is err's exit status (0 for nil, -1 when not an exit).
func exitCode(err error) int {
	var ee *exec.ExitError
	if err == nil {
		return 0
	}
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}
