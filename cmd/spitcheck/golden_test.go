package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden reports in testdata/golden")

// TestGoldenReports runs spitcheck on the committed fixtures and compares
// its text and JSON reports with the golden files. They change only through
// `go test ./cmd/spitcheck -run Golden -update`.
func TestGoldenReports(t *testing.T) {
	fixtures := []string{"call-pcmu.pcap", "impaired-pcma.pcapng", "vlan-ipv6.pcap", "truncated.pcap"}
	for _, fx := range fixtures {
		for _, mode := range []string{"txt", "json"} {
			t.Run(fx+"."+mode, func(t *testing.T) {
				args := []string{filepath.Join("..", "..", "testdata", "captures", fx)}
				if mode == "json" {
					args = append([]string{"--json"}, args...)
				}
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), args, nil, &stdout, &stderr)
				got := stdout.String()
				if stderr.Len() > 0 {
					got += "--- stderr\n" + stderr.String()
				}
				got += "--- exit " + string(rune('0'+code)) + "\n"
				golden := filepath.Join("testdata", "golden", fx+"."+mode)
				if *update {
					os.MkdirAll(filepath.Dir(golden), 0o755)
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if got != string(want) {
					t.Errorf("report differs from %s (-want +got):\n%s", golden, lineDiff(string(want), got))
				}
			})
		}
	}
}

// lineDiff is a minimal line diff: lines only in want with -, only in got with +.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("-" + wl + "\n+" + gl + "\n")
		}
	}
	return b.String()
}
