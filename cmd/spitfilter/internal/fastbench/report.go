package fastbench

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteMarkdown writes the report as markdown: the summary table (lossless
// rate, added latency and loss at each rate, p99 ratio to the reference
// judge), then the raw figures and kernel counters of every run.
func (r *Report) WriteMarkdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	c := r.Config
	ref := r.judge(c.Reference)

	fmt.Fprintf(bw, "NFQUEUE fast path, kernel %s: %d-byte UDP payloads (RTP), %v per latency run, %v per search run%s.\n",
		r.Kernel, PacketSize, c.Duration, c.SearchDuration, byeNote(c))
	fmt.Fprintf(bw, "Added latency = one-way latency through the queue − the baseline's at the same percentile, in µs; "+
		"baseline packets (no queue rule) are sent interleaved with the queued ones, in the same run. "+
		"Loss counts packets that never arrived; \"bypassed\" ones arrived without being judged "+
		"(fail-open: queue or judge socket full) and are inside the latency figures.\n\n")

	// summary
	hdr := []string{"judge", "lossless pps"}
	for _, rate := range c.Rates {
		k := kpps(rate)
		hdr = append(hdr, k+" p50 / p99 / p99.9 µs", k+" loss")
	}
	for _, rate := range c.Rates {
		hdr = append(hdr, fmt.Sprintf("%s p99 ÷ %s", kpps(rate), c.Reference))
	}
	header(bw, hdr...)
	rig := []string{"rig (no queue), absolute", searchCell(r.Baseline, c.SearchDuration > 0)}
	for i := range c.Rates {
		if ref != nil && i < len(ref.Points) {
			b := ref.Points[i].Baseline
			rig = append(rig, latCell(b.Latency), lossCell(b))
		} else {
			rig = append(rig, "", "")
		}
	}
	for range c.Rates {
		rig = append(rig, "")
	}
	row(bw, rig...)
	for _, j := range r.Judges {
		cells := []string{j.Name, searchCell(j.Lossless, c.SearchDuration > 0)}
		for i := range c.Rates {
			if i < len(j.Points) {
				cells = append(cells, latCell(j.Points[i].Added()), lossCell(j.Points[i].Judge))
			} else {
				cells = append(cells, "", "")
			}
		}
		for i := range c.Rates {
			cells = append(cells, ratioCell(j, ref, i))
		}
		row(bw, cells...)
	}

	// paired
	fmt.Fprintf(bw, "\nPer-packet paired difference (each queued packet − its baseline twin sent right after it; a machine-wide stall delays both and cancels), µs:\n\n")
	hdr = []string{"judge"}
	for _, rate := range c.Rates {
		hdr = append(hdr, kpps(rate)+" p50 / p99 / p99.9 µs")
	}
	for _, rate := range c.Rates {
		hdr = append(hdr, fmt.Sprintf("%s p99 ÷ %s", kpps(rate), c.Reference))
	}
	header(bw, hdr...)
	for _, j := range r.Judges {
		cells := []string{j.Name}
		for i := range c.Rates {
			if i < len(j.Points) {
				cells = append(cells, latCell(j.Points[i].Paired))
			} else {
				cells = append(cells, "")
			}
		}
		for i := range c.Rates {
			cells = append(cells, pairedRatioCell(j, ref, i))
		}
		row(bw, cells...)
	}

	// details
	fmt.Fprintf(bw, "\nEvery latency run (absolute one-way latency, µs; kernel counters are differences over the run):\n\n")
	row(bw, "judge", "rate", "achieved pps", "sender late max µs", "CPUs busy", "sent", "received", "p50", "p99", "p99.9", "max",
		"queue dropped", "user dropped", "socket drops", "judged", "bypassed", "rig drops")
	row(bw, strings.Split(strings.Repeat("---,", 17), ",")[:17]...)
	for _, j := range r.Judges {
		for _, p := range j.Points {
			for _, run := range []struct {
				name string
				r    Run
			}{{"baseline", p.Baseline}, {j.Name, p.Judge}} {
				x := run.r
				k := x.Kernel
				judged, qd, ud, sd, byp := "-", "-", "-", "-", "-"
				if !x.Baseline {
					judged = fmt.Sprint(k.Judged)
					qd, ud, sd, byp = fmt.Sprint(k.QueueDropped), fmt.Sprint(k.UserDropped), fmt.Sprint(k.SocketDrops), fmt.Sprint(k.Bypassed)
				}
				row(bw, run.name, fmt.Sprint(x.Rate), fmt.Sprintf("%.0f", x.Achieved), us(x.SenderLate), fmt.Sprintf("%.0f%%", 100*x.CPUBusy),
					fmt.Sprint(x.Sent), fmt.Sprint(x.Received), us(x.Latency.P50), us(x.Latency.P99), us(x.Latency.P999), us(x.Latency.Max),
					qd, ud, sd, judged, byp, fmt.Sprint(k.RigDrops))
			}
		}
	}
	if c.SearchDuration > 0 {
		fmt.Fprintf(bw, "\nLossless search (rate asked → achieved, lost, bypassed; ✓ lossless):\n\n")
		header(bw, "judge", "runs")
		row(bw, "rig (no queue)", searchRuns(r.Baseline))
		for _, j := range r.Judges {
			row(bw, j.Name, searchRuns(j.Lossless))
		}
	}
	fmt.Fprintf(bw, "\nJudges' own last words:\n\n")
	for _, j := range r.Judges {
		out := j.Output
		if i := strings.LastIndexByte(out, '\n'); i >= 0 {
			out = out[i+1:]
		}
		fmt.Fprintf(bw, "- %s (`%s`): %s\n", j.Name, strings.Join(j.Argv, " "), out)
	}
	return bw.Flush()
}

func (r *Report) judge(name string) *JudgeResult {
	for i := range r.Judges {
		if r.Judges[i].Name == name {
			return &r.Judges[i]
		}
	}
	return nil
}

func row(w io.Writer, cells ...string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

// header writes a table's header row and the separator row under it.
func header(w io.Writer, cells ...string) {
	row(w, cells...)
	sep := make([]string, len(cells))
	for i := range sep {
		sep[i] = "---"
	}
	row(w, sep...)
}

func kpps(rate int) string {
	if rate%1000 == 0 {
		return fmt.Sprintf("%dk", rate/1000)
	}
	return fmt.Sprint(rate)
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/1e3) }

func latCell(l Latency) string { return us(l.P50) + " / " + us(l.P99) + " / " + us(l.P999) }

func lossCell(r Run) string {
	s := fmt.Sprint(r.Lost())
	if r.Lost() > 0 && r.Sent > 0 {
		s += fmt.Sprintf(" (%.2f%%)", 100*float64(r.Lost())/float64(r.Sent))
	}
	if !r.Baseline && r.Kernel.Bypassed > 0 {
		s += fmt.Sprintf(", %d bypassed", r.Kernel.Bypassed)
	}
	if r.RigLimited() {
		s += fmt.Sprintf(", sender reached %.0f pps", r.Achieved)
	}
	return s
}

func searchCell(s Search, searched bool) string {
	switch {
	case !searched:
		return "not searched"
	case s.PPS == 0:
		return "< 1000"
	case s.Capped:
		return fmt.Sprintf("≥ %d (search cap)", s.PPS)
	case s.RigLimited:
		return fmt.Sprintf("≥ %d (sender limit)", s.PPS)
	}
	return fmt.Sprint(s.PPS)
}

func ratioCell(j JudgeResult, ref *JudgeResult, i int) string {
	if ref == nil || i >= len(j.Points) || i >= len(ref.Points) {
		return ""
	}
	den := ref.Points[i].Added().P99
	if den <= 0 {
		return fmt.Sprintf("n/a (%s adds %s µs)", ref.Name, us(den))
	}
	return fmt.Sprintf("%.2f×", float64(j.Points[i].Added().P99)/float64(den))
}

func searchRuns(s Search) string {
	var parts []string
	for _, r := range s.Runs {
		mark := "✗"
		if r.Lossless() && !r.RigLimited() {
			mark = "✓"
		}
		parts = append(parts, fmt.Sprintf("%d→%.0f lost %d byp %d busy %.0f%% %s", r.Rate, r.Achieved, r.Lost(), r.Kernel.Bypassed, 100*r.CPUBusy, mark))
	}
	return strings.Join(parts, "; ")
}

func pairedRatioCell(j JudgeResult, ref *JudgeResult, i int) string {
	if ref == nil || i >= len(j.Points) || i >= len(ref.Points) {
		return ""
	}
	den := ref.Points[i].Paired.P99
	if den <= 0 {
		return fmt.Sprintf("n/a (%s: %s µs)", ref.Name, us(den))
	}
	return fmt.Sprintf("%.2f×", float64(j.Points[i].Paired.P99)/float64(den))
}

// WriteSummary writes a markdown section "Summary over N rounds" for reps,
// N reports of the same judges measured one after the other (rounds), for a
// machine too noisy for one run to rank judges.
//
// For each judge, in the order of the first report (judges first seen in a
// later one follow), it gives the lossless rate (Search.PPS) and, at each
// rate of the first report's Config.Rates, the p99 of the per-packet paired
// difference (Point.Paired.P99, as in WriteMarkdown), each as the median and
// the range (min–max) over the rounds that have it. Then the ratios to the
// first report's reference judge (Config.Reference): each taken within one
// round, the judge's value ÷ the reference's in that round, and summarised
// the same way; the median of the ratios, not the ratio of the medians. A
// median over an even number of rounds is the mean of the two middle values.
//
// A round adds nothing to a cell when it lacks the judge, the rate, a search
// (Config.SearchDuration negative), the reference, or a positive reference
// value to divide by; a cell with fewer values than rounds says how many it
// has, and one with none reads "n/a" ("not searched" for the lossless
// columns of a judge no round searched). A nil report counts as a round that
// measured nothing.
func WriteSummary(w io.Writer, reps []*Report) error {
	bw := bufio.NewWriter(w)
	n := len(reps)
	fmt.Fprintf(bw, "## Summary over %d rounds\n\n", n)
	i := slices.IndexFunc(reps, func(r *Report) bool { return r != nil })
	if i < 0 {
		fmt.Fprintf(bw, "No round measured anything.\n")
		return bw.Flush()
	}
	c := reps[i].Config
	ref := c.Reference
	names := judgeNames(reps)
	search := "no lossless search"
	if c.SearchDuration > 0 {
		search = fmt.Sprintf("%v per search run", c.SearchDuration)
	}
	order := strings.Join(names, ", ")
	if rotating(reps) {
		order = "in the first round " + order + ", each later round starting at another judge"
	}
	fmt.Fprintf(bw, "Each round measured every judge in turn (%s), so the judges interleave in time across the rounds; "+
		"%v per latency run, %s%s. Paired p99 is the p99 of the per-packet paired difference "+
		"(each queued packet − its baseline twin), in µs. Each cell is the median (min–max) over the rounds; "+
		"\", k of %d\" means only k rounds had a value.\n\n", order, c.Duration, search, byeNote(c), n)

	hdr := []string{"judge", "rounds measured / searched", "lossless pps"}
	for _, rate := range c.Rates {
		hdr = append(hdr, kpps(rate)+" paired p99 µs")
	}
	for _, rate := range c.Rates {
		hdr = append(hdr, fmt.Sprintf("%s paired p99 ÷ %s", kpps(rate), ref))
	}
	hdr = append(hdr, "lossless ÷ "+ref)
	header(bw, hdr...)

	// the rig's own lossless rate, as in WriteMarkdown's first row
	var rigPPS []float64
	measured, rigLimits := 0, 0
	for _, r := range reps {
		if r == nil {
			continue
		}
		measured++
		if r.Config.SearchDuration > 0 {
			rigPPS = append(rigPPS, float64(r.Baseline.PPS))
			if r.Baseline.Capped || r.Baseline.RigLimited {
				rigLimits++
			}
		}
	}
	cells := []string{"rig (no queue)", fmt.Sprintf("%d / %d", measured, len(rigPPS)), ppsCell(spreadOf(rigPPS), n, rigLimits)}
	for range len(hdr) - len(cells) {
		cells = append(cells, "")
	}
	row(bw, cells...)

	for _, name := range names {
		var (
			pps, ppsRatio     []float64
			limits            int
			paired, pairRatio = make([][]float64, len(c.Rates)), make([][]float64, len(c.Rates))
		)
		measured := 0
		for _, r := range reps {
			if r == nil {
				continue
			}
			j := r.judge(name)
			if j == nil {
				continue
			}
			measured++
			rj := r.judge(ref)
			if r.Config.SearchDuration > 0 {
				pps = append(pps, float64(j.Lossless.PPS))
				if j.Lossless.Capped || j.Lossless.RigLimited {
					limits++
				}
				if rj != nil && rj.Lossless.PPS > 0 {
					ppsRatio = append(ppsRatio, float64(j.Lossless.PPS)/float64(rj.Lossless.PPS))
				}
			}
			for k, rate := range c.Rates {
				p, ok := pointAt(r, j, rate)
				if !ok {
					continue
				}
				paired[k] = append(paired[k], float64(p.Paired.P99)/1e3)
				if rp, ok := pointAt(r, rj, rate); ok && rp.Paired.P99 > 0 {
					pairRatio[k] = append(pairRatio[k], float64(p.Paired.P99)/float64(rp.Paired.P99))
				}
			}
		}
		cells := []string{name, fmt.Sprintf("%d / %d", measured, len(pps)), ppsCell(spreadOf(pps), n, limits)}
		for k := range c.Rates {
			cells = append(cells, spreadOf(paired[k]).cell(n, func(v float64) string { return fmt.Sprintf("%.1f", v) }))
		}
		for k := range c.Rates {
			cells = append(cells, spreadOf(pairRatio[k]).cell(n, ratio))
		}
		if len(pps) == 0 {
			cells = append(cells, "not searched")
		} else {
			cells = append(cells, spreadOf(ppsRatio).cell(n, ratio))
		}
		row(bw, cells...)
	}
	fmt.Fprintf(bw, "\nEach ratio was taken within a round (the judge's value ÷ %s's in the same round) and the cell gives the median "+
		"and range of those per-round ratios, not a ratio of medians; a median over an even number of rounds is the mean of the two middle values. "+
		"\"n/a\": no round had %s with a positive value to divide by; \"at a limit\": the search reached its cap or the sender's rate, "+
		"so that round's rate is a lower bound.\n", ref, ref)
	writePooled(bw, reps, names, c.Rates, ref)
	return bw.Flush()
}

// writePooled writes the table of paired differences pooled over the
// rounds: for each judge and rate, the percentiles of every packet's
// paired difference from all the rounds together, and the ratio of its
// pooled p99 to the reference's. A round whose windows a burst of stalls
// on the host happened to hit moves a per-round ratio a lot; in the pool it
// weighs as many packets as it has. Rounds without a judge's point add
// nothing to it; without any paired differences there is no table.
func writePooled(w io.Writer, reps []*Report, names []string, rates []int, ref string) {
	type pool struct {
		lat    Latency // of the pooled differences
		rounds int
	}
	pools := make(map[string][]pool, len(names)) // by judge, then rate
	found := false
	for _, name := range names {
		ps := make([]pool, len(rates))
		for k, rate := range rates {
			var diffs []int64
			for _, r := range reps {
				if r == nil {
					continue
				}
				if p, ok := pointAt(r, r.judge(name), rate); ok && len(p.PairedDiffs) > 0 {
					diffs = append(diffs, p.PairedDiffs...)
					ps[k].rounds++
					found = true
				}
			}
			ps[k].lat = summarize(diffs)
		}
		pools[name] = ps
	}
	if !found {
		return
	}
	hdr := []string{"judge"}
	for _, rate := range rates {
		hdr = append(hdr, kpps(rate)+" pooled p50 / p99 / p99.9 µs", kpps(rate)+" pooled p99 ÷ "+ref)
	}
	fmt.Fprintf(w, "\nPaired differences pooled over the rounds (every packet of every round of a judge together, the count of rounds after each cell), µs:\n\n")
	header(w, hdr...)
	refP99 := make([]time.Duration, len(rates))
	if ps, ok := pools[ref]; ok {
		for k := range rates {
			refP99[k] = ps[k].lat.P99
		}
	}
	for _, name := range names {
		cells := []string{name}
		for k := range rates {
			if pools[name][k].rounds == 0 {
				cells = append(cells, "n/a", "n/a")
				continue
			}
			l := pools[name][k].lat
			cells = append(cells, fmt.Sprintf("%s (%d)", latCell(l), pools[name][k].rounds))
			if refP99[k] > 0 {
				cells = append(cells, ratio(float64(l.P99)/float64(refP99[k])))
			} else {
				cells = append(cells, "n/a")
			}
		}
		row(w, cells...)
	}
}

// rotating reports whether two rounds measured the judges they both have
// in different orders.
func rotating(reps []*Report) bool {
	var orders [][]string
	for _, r := range reps {
		if r != nil {
			orders = append(orders, judgeNames([]*Report{r}))
		}
	}
	for _, a := range orders {
		for _, b := range orders {
			notInBoth := func(n string) bool { return !slices.Contains(a, n) || !slices.Contains(b, n) }
			if !slices.Equal(slices.DeleteFunc(slices.Clone(a), notInBoth), slices.DeleteFunc(slices.Clone(b), notInBoth)) {
				return true
			}
		}
	}
	return false
}

// judgeNames lists the judges of reps in the order of the first report,
// then those first seen in later ones.
func judgeNames(reps []*Report) []string {
	var names []string
	for _, r := range reps {
		if r == nil {
			continue
		}
		for _, j := range r.Judges {
			if !slices.Contains(names, j.Name) {
				names = append(names, j.Name)
			}
		}
	}
	return names
}

// pointAt returns j's point at rate in r, matched through r's own
// Config.Rates; false when j is nil or was not measured at rate.
func pointAt(r *Report, j *JudgeResult, rate int) (Point, bool) {
	if j == nil {
		return Point{}, false
	}
	i := slices.Index(r.Config.Rates, rate)
	if i < 0 || i >= len(j.Points) {
		return Point{}, false
	}
	return j.Points[i], true
}

// spread is one figure over rounds: its median and range over the n rounds
// that have it.
type spread struct {
	n             int
	med, min, max float64
}

// spreadOf summarises xs (left unchanged). The median of an even number of
// values is the mean of the two middle ones.
func spreadOf(xs []float64) spread {
	if len(xs) == 0 {
		return spread{}
	}
	s := slices.Sorted(slices.Values(xs))
	m := len(s) / 2
	med := s[m]
	if len(s)%2 == 0 {
		med = (s[m-1] + s[m]) / 2
	}
	return spread{n: len(s), med: med, min: s[0], max: s[len(s)-1]}
}

// cell formats s as "median (min–max)" with f, adding ", n of rounds" when
// some rounds had no value; "n/a" when none had.
func (s spread) cell(rounds int, f func(float64) string) string {
	if s.n == 0 {
		return "n/a"
	}
	out := f(s.med)
	if s.n > 1 {
		out += " (" + strings.TrimSuffix(f(s.min), "×") + "–" + f(s.max) + ")"
	}
	if s.n < rounds {
		out += fmt.Sprintf(", %d of %d", s.n, rounds)
	}
	return out
}

// ppsCell is a lossless-rate spread; limits counts the rounds whose rate
// is a lower bound (search cap or sender limit).
func ppsCell(s spread, rounds, limits int) string {
	if s.n == 0 {
		return "not searched"
	}
	out := s.cell(rounds, func(v float64) string { return fmt.Sprintf("%.0f", v) })
	if limits > 0 {
		out += fmt.Sprintf(", %d at a limit", limits)
	}
	return out
}

func ratio(v float64) string { return fmt.Sprintf("%.2f×", v) }

// byeNote says how each run's queued stream ended.
func byeNote(c Config) string {
	if c.Bye {
		return "; each run is a new stream, ended by an RTCP BYE"
	}
	return "; each run is a new stream, not ended (no RTCP BYE)"
}
