package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sample := "../internal/config/testdata/sample.yaml"
	bad := write("bad.yaml", "engine: x\nbanned: ['', a, A]\nqueu: 1\n")
	other := write("other.yaml", "engine: vosk\nmodel: /var/lib/vosk/en\naction: mark\nmark: 7\nhold: 30s\n"+
		"queue: 2\nfail_open: false\nrtp_ports: ''\nmetrics: ''\nevents: /var/log/spit.jsonl\n"+
		"hooks: {webhook: 'https://example.com/spit', timeout: 2s}\n")
	empty := write("empty.yaml", "# defaults\n")
	missing := filepath.Join(dir, "missing.yaml")

	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     []string
		stderr     []string
		stderrHave string
	}{
		{"sample", []string{"--config", sample}, 0, []string{
			sample + ": ok",
			"engine:  auto (model: engine default), mode auto",
			"rules:   6 (1 word, 3 phrases, 2 patterns); actions: 4 mute, 1 drop, 1 log",
			"action:  mute by default, held for the rest of the stream",
			"queues:  0-3 (4 readers), 4096 packets each, fail-open",
			"ports:   5004,10000-20000 (10002 UDP ports)",
			"output:  metrics 127.0.0.1:9310, events stdout, transcripts off",
		}, nil, ""},
		{"every summary branch", []string{"--config=" + other}, 0, []string{
			other + ": ok",
			"engine:  vosk (model: /var/lib/vosk/en), mode auto",
			"rules:   none: nothing will be detected",
			"action:  mark by default, held for 30s, mark 0x7",
			"queues:  2 (1 reader), 4096 packets each, fail-closed",
			"ports:   none (streams found by heuristic only)",
			"output:  metrics off, events /var/log/spit.jsonl, transcripts off",
			"hooks:   webhook https://example.com/spit (timeout 2s)",
		}, nil, ""},
		{"defaults", []string{"--config", empty}, 0, []string{
			empty + ": ok",
			"engine:  auto (model: engine default), mode auto",
			"rules:   none: nothing will be detected",
			"action:  mute by default, held for the rest of the stream",
			"queues:  0 (1 reader), 4096 packets each, fail-open",
			"ports:   10000-20000 (10001 UDP ports)",
			"output:  metrics 127.0.0.1:9310, events stdout, transcripts off",
		}, nil, ""},
		{"every error listed", []string{"--config", bad}, 2, nil, []string{
			bad + `:1:9: engine: unknown value "x": want auto, vosk or pocketsphinx`,
			bad + ":2:10: banned[0]: empty phrase",
			bad + `:2:17: banned[2]: duplicate rule: "A" normalises to "a", as banned[1] (line 2) does`,
			bad + `:3:1: unknown key "queu"; did you mean "queue"?`,
			"spitfilter check-config: " + bad + ": 4 errors",
		}, ""},
		{"missing file", []string{"--config", missing}, 2, nil, []string{
			"open " + missing + ": no such file or directory",
			"spitfilter check-config: " + missing + ": 1 error",
		}, ""},
		{"stray argument", []string{"--config", sample, "extra"}, 2, nil, []string{
			`spitfilter check-config: unexpected argument "extra" (the file goes after --config)`,
		}, ""},
		{"unknown flag", []string{"--confg", sample}, 2, nil, nil, "flag provided but not defined: -confg"},
		{"help", []string{"-h"}, 0, nil, nil, "config FILE to check"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := checkConfig(tc.args, &out, &errb)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errb.String())
			}
			if diff := cmp.Diff(tc.stdout, outputLines(out.String())); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if tc.stderrHave != "" {
				if !strings.Contains(errb.String(), tc.stderrHave) {
					t.Errorf("stderr lacks %q:\n%s", tc.stderrHave, errb.String())
				}
				return
			}
			if diff := cmp.Diff(tc.stderr, outputLines(errb.String())); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

// outputLines splits output into lines, nil for none.
func outputLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
