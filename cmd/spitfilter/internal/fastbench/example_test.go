package fastbench_test

import (
	"fmt"
	"os"
	"time"

	"github.com/spitfilter/spitfilter/cmd/spitfilter/internal/fastbench"
)

func ExampleParseJudge() {
	j, err := fastbench.ParseJudge("spitfilter=bin/spitfilter run --config 'my bench.yaml' --queue {queue}")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s %q\n", j.Name, j.Argv)
	// Output: spitfilter ["bin/spitfilter" "run" "--config" "my bench.yaml" "--queue" "{queue}"]
}

// Summarise two rounds of the same judges; ratios to c are taken within each
// round. Real rounds come from fastbench.Bench, run once per round.
func ExampleWriteSummary() {
	round := func(cPPS, goPPS int, cP99, goP99 time.Duration) *fastbench.Report {
		return &fastbench.Report{
			Config:   fastbench.Config{Reference: "c", Rates: []int{10000}, Duration: 2 * time.Second, SearchDuration: 2 * time.Second},
			Baseline: fastbench.Search{PPS: 400000, Capped: true},
			Judges: []fastbench.JudgeResult{
				{Name: "c", Points: []fastbench.Point{{Paired: fastbench.Latency{P99: cP99}}}, Lossless: fastbench.Search{PPS: cPPS}},
				{Name: "go", Points: []fastbench.Point{{Paired: fastbench.Latency{P99: goP99}}}, Lossless: fastbench.Search{PPS: goPPS}},
			},
		}
	}
	us := time.Microsecond
	fastbench.WriteSummary(os.Stdout, []*fastbench.Report{
		round(155000, 90000, 12*us, 30*us),
		round(350000, 120000, 20*us, 36*us),
	})
	// Output:
	// ## Summary over 2 rounds
	//
	// Each round measured every judge in turn (c, go), so the judges interleave in time across the rounds; 2s per latency run, 2s per search run; each run is a new stream, not ended (no RTCP BYE). Paired p99 is the p99 of the per-packet paired difference (each queued packet − its baseline twin), in µs. Each cell is the median (min–max) over the rounds; ", k of 2" means only k rounds had a value.
	//
	// | judge | rounds measured / searched | lossless pps | 10k paired p99 µs | 10k paired p99 ÷ c | lossless ÷ c |
	// | --- | --- | --- | --- | --- | --- |
	// | rig (no queue) | 2 / 2 | 400000 (400000–400000), 2 at a limit |  |  |  |
	// | c | 2 / 2 | 252500 (155000–350000) | 16.0 (12.0–20.0) | 1.00× (1.00–1.00×) | 1.00× (1.00–1.00×) |
	// | go | 2 / 2 | 105000 (90000–120000) | 33.0 (30.0–36.0) | 2.15× (1.80–2.50×) | 0.46× (0.34–0.58×) |
	//
	// Each ratio was taken within a round (the judge's value ÷ c's in the same round) and the cell gives the median and range of those per-round ratios, not a ratio of medians; a median over an even number of rounds is the mean of the two middle values. "n/a": no round had c with a positive value to divide by; "at a limit": the search reached its cap or the sender's rate, so that round's rate is a lower bound.
}
