package fastbench

import (
	"bufio"
	"fmt"
	"io"
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

	fmt.Fprintf(bw, "NFQUEUE fast path, kernel %s: %d-byte UDP payloads (RTP), %v per latency run, %v per search run.\n",
		r.Kernel, PacketSize, c.Duration, c.SearchDuration)
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
	row(bw, hdr...)
	sep := make([]string, len(hdr))
	for i := range sep {
		sep[i] = "---"
	}
	row(bw, sep...)
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
	row(bw, hdr...)
	row(bw, sep[:len(hdr)]...)
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
		row(bw, "judge", "runs")
		row(bw, "---", "---")
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
