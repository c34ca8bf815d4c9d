package fastbench

import (
	"strings"
	"testing"
	"time"
)

func TestWriteMarkdown(t *testing.T) {
	us := time.Microsecond
	run := func(base bool, p50, p99, p999 time.Duration, lost int) Run {
		return Run{Baseline: base, Rate: 10000, Achieved: 10000, Sent: 100, Received: 100 - lost,
			Latency: Latency{Min: us, P50: p50, P99: p99, P999: p999, Max: p999}}
	}
	base := run(true, 5*us, 10*us, 20*us, 0)
	rep := &Report{
		Config:   Config{Reference: "c", Rates: []int{10000}, Duration: time.Second, SearchDuration: time.Second},
		Kernel:   "test",
		Baseline: Search{PPS: 300000, RigLimited: true},
		Judges: []JudgeResult{
			{Name: "c", Points: []Point{{Judge: run(false, 10*us, 30*us, 40*us, 0), Baseline: base, Paired: Latency{P50: 4 * us, P99: 10 * us, P999: 12 * us}}}, Lossless: Search{PPS: 120000}},
			{Name: "go", Points: []Point{{Judge: run(false, 50*us, 410*us, 900*us, 3), Baseline: base, Paired: Latency{P50: 40 * us, P99: 300 * us, P999: 800 * us}}}, Lossless: Search{PPS: 80000}},
		},
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| judge | lossless pps | 10k p50 / p99 / p99.9 µs | 10k loss | 10k p99 ÷ c |",
		"| rig (no queue), absolute | ≥ 300000 (sender limit) | 5.0 / 10.0 / 20.0 | 0 |  |",
		"| c | 120000 | 5.0 / 20.0 / 20.0 | 0 | 1.00× |",
		"| go | 80000 | 45.0 / 400.0 / 880.0 | 3 (3.00%) | 20.00× |",
		"| c | 4.0 / 10.0 / 12.0 | 1.00× |",
		"| go | 40.0 / 300.0 / 800.0 | 30.00× |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks line %q; got:\n%s", want, out)
		}
	}
}
