package fastbench

import (
	"slices"
	"time"
)

// Latency summarises the one-way latencies of the packets of one run.
type Latency struct {
	Min, P50, P99, P999, Max time.Duration
}

// summarize sorts ns in place and takes nearest-rank percentiles. A nil or
// empty ns gives the zero Latency.
func summarize(ns []int64) Latency {
	if len(ns) == 0 {
		return Latency{}
	}
	slices.Sort(ns)
	rank := func(p float64) time.Duration {
		// nearest rank: the smallest value with at least p of the data at or below it
		i := int(p*float64(len(ns))+0.999999999) - 1
		i = max(0, min(i, len(ns)-1))
		return time.Duration(ns[i])
	}
	return Latency{
		Min:  time.Duration(ns[0]),
		P50:  rank(0.50),
		P99:  rank(0.99),
		P999: rank(0.999),
		Max:  time.Duration(ns[len(ns)-1]),
	}
}

// Sub returns l − base, percentile by percentile: the latency a judge adds
// over the rig's own.
func (l Latency) Sub(base Latency) Latency {
	return Latency{
		Min:  l.Min - base.Min,
		P50:  l.P50 - base.P50,
		P99:  l.P99 - base.P99,
		P999: l.P999 - base.P999,
		Max:  l.Max - base.Max,
	}
}
