package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/fastbench"
)

func report(cPPS, goPPS int) *fastbench.Report {
	pt := func(p99 time.Duration) []fastbench.Point {
		return []fastbench.Point{{Paired: fastbench.Latency{P99: p99}}}
	}
	return &fastbench.Report{
		Config: fastbench.Config{Reference: "c", Rates: []int{10000}, Duration: time.Second, SearchDuration: time.Second},
		Kernel: "test",
		Judges: []fastbench.JudgeResult{
			{Name: "c", Points: pt(10 * time.Microsecond), Lossless: fastbench.Search{PPS: cPPS}},
			{Name: "go", Points: pt(30 * time.Microsecond), Lossless: fastbench.Search{PPS: goPPS}},
		},
	}
}

func TestWriteReports(t *testing.T) {
	t.Run("one round: the report as it is", func(t *testing.T) {
		rep := report(200000, 100000)
		var want, got strings.Builder
		if err := rep.WriteMarkdown(&want); err != nil {
			t.Fatal(err)
		}
		if err := writeReports(&got, []*fastbench.Report{rep}); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("one round changed the output (-want +got):\n-%s\n+%s", want.String(), got.String())
		}
	})
	t.Run("rounds: summary, then each round", func(t *testing.T) {
		var b strings.Builder
		if err := writeReports(&b, []*fastbench.Report{report(200000, 100000), report(300000, 60000), report(150000, 90000)}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if !strings.HasPrefix(out, "## Summary over 3 rounds\n") {
			t.Errorf("output does not open with the summary:\n%s", out)
		}
		if !strings.Contains(out, "| go | 3 / 3 | 90000 (60000–100000) | 30.0 (30.0–30.0) | 3.00× (3.00–3.00×) | 0.50× (0.20–0.60×) |") {
			t.Errorf("summary lacks go's row:\n%s", out)
		}
		last := 0
		for _, h := range []string{"\n## Round 1 of 3\n\nNFQUEUE fast path", "\n## Round 2 of 3\n\nNFQUEUE fast path", "\n## Round 3 of 3\n\nNFQUEUE fast path"} {
			i := strings.Index(out, h)
			if i < last {
				t.Errorf("%q missing or out of order in:\n%s", h, out)
			}
			last = i
		}
	})
}

func TestRoundsFlag(t *testing.T) {
	var stderr strings.Builder
	if code := run(context.Background(), []string{"-rounds", "0"}, io.Discard, &stderr); code != 2 {
		t.Errorf("-rounds 0: exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-rounds 0: want 1 or more") {
		t.Errorf("-rounds 0: stderr %q does not say what is wrong", stderr.String())
	}
}

func TestIdleLoadNeedsBuiltin(t *testing.T) {
	var stderr strings.Builder
	if code := run(context.Background(), []string{"-builtin=false", "-idle-load", "-judge", "x=true"}, io.Discard, &stderr); code != 2 {
		t.Errorf("-idle-load without the built-in judges: exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "-idle-load measures the built-in C judge") {
		t.Errorf("stderr %q does not say what is wrong", stderr.String())
	}
}

func TestRotated(t *testing.T) {
	js := []fastbench.Judge{{Name: "c"}, {Name: "go"}, {Name: "sf"}}
	for i, want := range []string{"c go sf", "go sf c", "sf c go", "c go sf"} {
		var got []string
		for _, j := range rotated(js, i) {
			got = append(got, j.Name)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("round %d: %v, want %s", i, got, want)
		}
	}
	if js[0].Name != "c" {
		t.Errorf("rotated changed its argument: %v", js)
	}
}

func TestMemLoadFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		why  string
	}{
		{[]string{"-mem-load", "-1"}, "a negative size"},
		{[]string{"-builtin=false", "-mem-load", "64", "-judge", "x=true"}, "without the built-in judges"},
	} {
		var stderr strings.Builder
		if code := run(context.Background(), tc.args, io.Discard, &stderr); code != 2 {
			t.Errorf("-mem-load %s: exit %d, want 2", tc.why, code)
		}
		if !strings.Contains(stderr.String(), "-mem-load") || !strings.Contains(stderr.String(), "want a size in MiB") {
			t.Errorf("-mem-load %s: stderr %q does not say what is wrong", tc.why, stderr.String())
		}
	}
}
