package fastbench

import (
	"fmt"
	"slices"
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

func TestSpreadOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		xs   []float64
		want spread
	}{
		{"none", nil, spread{}},
		{"one", []float64{7}, spread{n: 1, med: 7, min: 7, max: 7}},
		{"odd", []float64{3, 1, 2}, spread{n: 3, med: 2, min: 1, max: 3}},
		{"even: mean of the two middle", []float64{4, 1, 10, 2}, spread{n: 4, med: 3, min: 1, max: 10}},
		{"two", []float64{155000, 350000}, spread{n: 2, med: 252500, min: 155000, max: 350000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.xs)
			if got := spreadOf(tc.xs); got != tc.want {
				t.Errorf("spreadOf(%v) = %+v, want %+v", in, got, tc.want)
			}
			if !slices.Equal(in, tc.xs) {
				t.Errorf("spreadOf reordered its input: %v, was %v", tc.xs, in)
			}
		})
	}
}

// roundJudge is one judge of a synthetic round: its lossless rate and its
// paired p99 (µs) at 10k and 40k packets/s.
type roundJudge struct {
	name    string
	pps     int
	p10k    time.Duration // µs
	p40k    time.Duration // µs
	limited bool
}

// ended is r with its runs ended by an RTCP BYE (Config.Bye).
func ended(r *Report) *Report {
	r.Config.Bye = true
	return r
}

// round is a synthetic Report for WriteSummary, with a search or without
// (SearchDuration negative).
func round(search bool, js ...roundJudge) *Report {
	sd := time.Second
	if !search {
		sd = -1
	}
	r := &Report{
		Config:   Config{Reference: "c", Rates: []int{10000, 40000}, Duration: time.Second, SearchDuration: sd},
		Baseline: Search{PPS: 400000, Capped: true},
		Kernel:   "test",
	}
	for _, j := range js {
		res := JudgeResult{Name: j.name, Points: []Point{
			{Paired: Latency{P99: j.p10k * time.Microsecond}},
			{Paired: Latency{P99: j.p40k * time.Microsecond}},
		}}
		if search {
			res.Lossless = Search{PPS: j.pps, RigLimited: j.limited}
		}
		r.Judges = append(r.Judges, res)
	}
	return r
}

func TestWriteSummary(t *testing.T) {
	const hdr = "| judge | rounds measured / searched | lossless pps | 10k paired p99 µs | 40k paired p99 µs | 10k paired p99 ÷ c | 40k paired p99 ÷ c | lossless ÷ c |"
	for _, tc := range []struct {
		name string
		reps []*Report
		want []string // lines the summary must hold
	}{{
		// go's ratios 2, 1, 3 have median 2.00×, though go's and c's
		// medians (20 µs both) would make 1.00×.
		name: "odd: per-round ratios",
		reps: []*Report{
			round(true, roundJudge{"c", 200000, 10, 20, false}, roundJudge{"go", 100000, 20, 40, false}),
			round(true, roundJudge{"c", 300000, 20, 40, false}, roundJudge{"go", 300000, 20, 40, false}),
			round(true, roundJudge{"c", 150000, 30, 50, false}, roundJudge{"go", 75000, 90, 150, false}),
		},
		want: []string{
			"## Summary over 3 rounds",
			hdr,
			"| rig (no queue) | 3 / 3 | 400000 (400000–400000), 3 at a limit |  |  |  |  |  |",
			"| c | 3 / 3 | 200000 (150000–300000) | 20.0 (10.0–30.0) | 40.0 (20.0–50.0) | 1.00× (1.00–1.00×) | 1.00× (1.00–1.00×) | 1.00× (1.00–1.00×) |",
			"| go | 3 / 3 | 100000 (75000–300000) | 20.0 (20.0–90.0) | 40.0 (40.0–150.0) | 2.00× (1.00–3.00×) | 2.00× (1.00–3.00×) | 0.50× (0.50–1.00×) |",
			"Each ratio was taken within a round (the judge's value ÷ c's in the same round)",
		},
	}, {
		name: "even: mean of the two middle rounds",
		reps: []*Report{
			round(true, roundJudge{"c", 150000, 10, 10, false}, roundJudge{"go", 90000, 15, 30, false}),
			round(true, roundJudge{"c", 350000, 20, 10, false}, roundJudge{"go", 100000, 30, 15, false}),
		},
		want: []string{
			"## Summary over 2 rounds",
			"| c | 2 / 2 | 250000 (150000–350000) | 15.0 (10.0–20.0) | 10.0 (10.0–10.0) |",
			"| go | 2 / 2 | 95000 (90000–100000) | 22.5 (15.0–30.0) | 22.5 (15.0–30.0) | 1.50× (1.50–1.50×) | 2.25× (1.50–3.00×) | 0.44× (0.29–0.60×) |",
		},
	}, {
		name: "judge missing from a round, judge first seen later",
		reps: []*Report{
			round(true, roundJudge{"c", 200000, 10, 20, false}, roundJudge{"go", 100000, 20, 40, false}),
			round(true, roundJudge{"c", 200000, 10, 20, false}),
			round(true, roundJudge{"c", 200000, 10, 20, false}, roundJudge{"go", 50000, 30, 40, false}, roundJudge{"spitfilter", 20000, 50, 100, true}),
		},
		want: []string{
			"Each round measured every judge in turn (c, go, spitfilter)",
			"| go | 2 / 2 | 75000 (50000–100000), 2 of 3 | 25.0 (20.0–30.0), 2 of 3 | 40.0 (40.0–40.0), 2 of 3 | 2.50× (2.00–3.00×), 2 of 3 | 2.00× (2.00–2.00×), 2 of 3 | 0.38× (0.25–0.50×), 2 of 3 |",
			"| spitfilter | 1 / 1 | 20000, 1 of 3, 1 at a limit | 50.0, 1 of 3 | 100.0, 1 of 3 | 5.00×, 1 of 3 | 5.00×, 1 of 3 | 0.10×, 1 of 3 |",
		},
	}, {
		name: "reference missing or zero: n/a, no division",
		reps: []*Report{
			round(true, roundJudge{"go", 100000, 20, 40, false}),
			round(true, roundJudge{"c", 0, 0, 10, false}, roundJudge{"go", 100000, 20, 40, false}),
			nil,
		},
		want: []string{
			"## Summary over 3 rounds",
			"| go | 2 / 2 | 100000 (100000–100000), 2 of 3 | 20.0 (20.0–20.0), 2 of 3 | 40.0 (40.0–40.0), 2 of 3 | n/a | 4.00×, 1 of 3 | n/a |",
			"| c | 1 / 1 | 0, 1 of 3 | 0.0, 1 of 3 | 10.0, 1 of 3 | n/a | 1.00×, 1 of 3 | n/a |",
		},
	}, {
		name: "search disabled, runs ended by BYE",
		reps: []*Report{
			ended(round(false, roundJudge{"c", 0, 10, 20, false}, roundJudge{"go", 0, 20, 40, false})),
			ended(round(false, roundJudge{"c", 0, 10, 20, false}, roundJudge{"go", 0, 20, 40, false})),
		},
		want: []string{
			"| rig (no queue) | 2 / 0 | not searched |  |  |  |  |  |",
			"| c | 2 / 0 | not searched | 10.0 (10.0–10.0) | 20.0 (20.0–20.0) | 1.00× (1.00–1.00×) | 1.00× (1.00–1.00×) | not searched |",
			"| go | 2 / 0 | not searched | 20.0 (20.0–20.0) | 40.0 (40.0–40.0) | 2.00× (2.00–2.00×) | 2.00× (2.00–2.00×) | not searched |",
			"Each round measured every judge in turn (c, go), so the judges interleave in time across the rounds; 1s per latency run, no lossless search; each run is a new stream, ended by an RTCP BYE.",
		},
	}, {
		name: "no report",
		reps: []*Report{nil, nil},
		want: []string{"## Summary over 2 rounds", "No round measured anything."},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := WriteSummary(&b, tc.reps); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			lines := strings.Split(out, "\n")
			for _, want := range tc.want {
				if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
					t.Errorf("summary lacks a line starting %q; got:\n%s", want, out)
				}
			}
		})
	}
}

func TestRotating(t *testing.T) {
	rep := func(names ...string) *Report {
		r := &Report{}
		for _, n := range names {
			r.Judges = append(r.Judges, JudgeResult{Name: n})
		}
		return r
	}
	for _, tt := range []struct {
		reps []*Report
		want bool
	}{
		{[]*Report{rep("c", "go", "sf"), rep("c", "go", "sf")}, false},
		{[]*Report{rep("c", "go", "sf"), rep("go", "sf", "c")}, true},
		{[]*Report{rep("c", "go", "sf"), nil, rep("c", "sf")}, false}, // a judge missing, same order
		{[]*Report{rep("c", "go"), rep("sf", "c", "go")}, false},      // a judge first seen later
		{[]*Report{rep("c", "go"), rep("go", "sf", "c")}, true},
	} {
		if got := rotating(tt.reps); got != tt.want {
			var orders []string
			for _, r := range tt.reps {
				if r != nil {
					orders = append(orders, fmt.Sprint(judgeNames([]*Report{r})))
				}
			}
			t.Errorf("rotating(%v) = %v, want %v", orders, got, tt.want)
		}
	}
}

func TestWriteSummaryPooled(t *testing.T) {
	us := func(scale int64) []int64 { // 1..100 µs, times scale
		d := make([]int64, 100)
		for i := range d {
			d[i] = int64(i+1) * scale * 1000
		}
		return d
	}
	withDiffs := func(r *Report, diffs ...[]int64) *Report {
		for i := range r.Judges {
			r.Judges[i].Points[0].PairedDiffs = diffs[i]
		}
		return r
	}
	// go's first round is twice as slow as its second: its pooled p99 is
	// the top of that round (196 µs), against c's 99 µs.
	reps := []*Report{
		withDiffs(round(false, roundJudge{"c", 0, 99, 0, false}, roundJudge{"go", 0, 198, 0, false}), us(1), us(2)),
		withDiffs(round(false, roundJudge{"c", 0, 99, 0, false}, roundJudge{"go", 0, 99, 0, false}), us(1), us(1)),
		nil,
	}
	var b strings.Builder
	if err := WriteSummary(&b, reps); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| judge | 10k pooled p50 / p99 / p99.9 µs | 10k pooled p99 ÷ c | 40k pooled p50 / p99 / p99.9 µs | 40k pooled p99 ÷ c |",
		"| c | 50.0 / 99.0 / 100.0 (2) | 1.00× | n/a | n/a |",
		"| go | 67.0 / 196.0 / 200.0 (2) | 1.98× | n/a | n/a |",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("summary lacks the line %q; got:\n%s", want, out)
		}
	}

	// without paired differences (as in the rounds of TestWriteSummary) no table
	b.Reset()
	if err := WriteSummary(&b, reps[2:]); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "pooled") {
		t.Errorf("a summary without paired differences has a pooled table:\n%s", b.String())
	}
}
