package fastbench

import (
	"fmt"
	"log/slog"
	"time"
)

// Config says what to measure. The zero value of each field means its default.
type Config struct {
	// Judges are measured one after the other, in this order. At least one.
	Judges []Judge
	// Reference names the judge the p99 ratios are taken against; default
	// the judge named "c" if there is one, else the first.
	Reference string
	// Rates are the packet rates (packets/s) of the latency runs; default 10000 and 40000.
	Rates []int
	// Duration is the length of each latency run; default 2s.
	Duration time.Duration
	// SearchDuration is the length of each run of the lossless-rate
	// search; default 2s. Negative: no search.
	SearchDuration time.Duration
	// SearchMax caps the lossless-rate search (packets/s); default 400000.
	SearchMax int
	// SearchPrecision ends the bisection when the lossy rate is within this
	// fraction above the lossless one; default 0.05.
	SearchPrecision float64
	// Spin is how long before each packet's due time the sender stops
	// sleeping and busy-waits; default 0: it sleeps (clock_nanosleep) to the
	// due time and sends what is due, leaving the CPU to the judge. A
	// negative Spin means 0. A busy-wait makes the pacing exact but takes a
	// whole core at 40k packets/s, a core a 2-core machine lacks.
	Spin time.Duration
	// Nice is the scheduling niceness (-20..19) of the judges and of the
	// rig's sender and receiver threads; default 0. A negative value keeps
	// a busy machine's other work (compilers) from setting the tail: all
	// judges get the same, so ratios stay fair.
	Nice int
	// RTPriority, when 1..99, runs the judges (chrt -f) and the rig's
	// sender and receiver threads SCHED_FIFO at this priority; default 0:
	// not real-time. On a machine saturated by other work, CFS (even at
	// Nice -20) lets a running task finish its slice, a few ms, before a
	// woken judge runs; SCHED_FIFO does not. Every thread of a judge
	// inherits it, so a judge with busy workers (the daemon's recognizers)
	// competes with its own fast path as it would at equal nice.
	RTPriority int
	// Bye ends each run's queued stream with an RTCP BYE for its SSRC,
	// sent after the run is counted, as a phone sends one when it hangs up.
	// A judge that listens to calls (spitfilter) then finishes the stream's
	// analysis (1 s later) and keeps its recognizer for a later run's
	// stream, as it does for calls on a media host; without it each run's
	// stream holds its recognizer until the judge's idle timeout, and every
	// run makes a new one.
	Bye bool
	// Queue is the NFQUEUE number; default 0 (the lab's namespace is private).
	Queue uint16
	// Port is the receiver's UDP port; packets from source port Port+1 are
	// queued, those from Port+2 (the baseline) are not; default 30000.
	Port int
	// BindTimeout is how long a judge may take to bind the queue, and then
	// to finish its start-up work (its CPU time stops growing); default 10s.
	BindTimeout time.Duration
	// Logger gets progress; default: discard.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if len(c.Judges) == 0 {
		return fmt.Errorf("%w: no judges", ErrConfig)
	}
	seen := map[string]bool{}
	for i, j := range c.Judges {
		if j.Name == "" || len(j.Argv) == 0 {
			return fmt.Errorf("%w: judge %d has no name or no command", ErrConfig, i+1)
		}
		if seen[j.Name] {
			return fmt.Errorf("%w: judge name %q given twice", ErrConfig, j.Name)
		}
		seen[j.Name] = true
	}
	if c.Reference == "" {
		c.Reference = c.Judges[0].Name
		if seen["c"] {
			c.Reference = "c"
		}
	} else if !seen[c.Reference] {
		return fmt.Errorf("%w: reference judge %q is not among the judges", ErrConfig, c.Reference)
	}
	if len(c.Rates) == 0 {
		c.Rates = []int{10000, 40000}
	}
	for _, r := range c.Rates {
		if r < 10 || r > 10_000_000 {
			return fmt.Errorf("%w: rate %d packets/s: want 10 to 10000000", ErrConfig, r)
		}
	}
	if c.Duration == 0 {
		c.Duration = 2 * time.Second
	}
	if c.Duration < 10*time.Millisecond {
		return fmt.Errorf("%w: duration %v: want at least 10ms", ErrConfig, c.Duration)
	}
	if c.SearchDuration == 0 {
		c.SearchDuration = 2 * time.Second
	}
	if c.SearchMax == 0 {
		c.SearchMax = 400_000
	}
	if c.SearchPrecision == 0 {
		c.SearchPrecision = 0.05
	}
	if c.SearchPrecision < 0.001 || c.SearchPrecision > 1 {
		return fmt.Errorf("%w: search precision %v: want 0.001 to 1", ErrConfig, c.SearchPrecision)
	}
	if c.Port == 0 {
		c.Port = 30000
	}
	if c.Port < 1 || c.Port > 65533 {
		return fmt.Errorf("%w: port %d: want 1 to 65533 (port+1 and port+2 are the sources)", ErrConfig, c.Port)
	}
	if c.Spin < 0 {
		c.Spin = 0
	}
	if c.Nice < -20 || c.Nice > 19 {
		return fmt.Errorf("%w: nice %d: want -20 to 19", ErrConfig, c.Nice)
	}
	if c.RTPriority < 0 || c.RTPriority > 99 {
		return fmt.Errorf("%w: real-time priority %d: want 0 (off) or 1 to 99", ErrConfig, c.RTPriority)
	}
	if c.BindTimeout == 0 {
		c.BindTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Run is the packets of one kind in one paced run: through the queue or,
// for a baseline, past it.
type Run struct {
	Baseline   bool          // sent from the source port no queue rule matches
	Rate       int           // packets/s asked for
	Achieved   float64       // packets/s the sender reached
	SenderLate time.Duration // the most a packet left after its due time
	CPUBusy    float64       // fraction of all CPUs' time busy during the run (rig, judge and everyone else)
	Sent       int
	Received   int
	Duplicates int
	Clockfault int // packets whose receive time was not after their send time
	Latency    Latency
	Kernel     Counters
}

// Lost is the number of packets sent that never arrived.
func (r Run) Lost() int { return r.Sent - r.Received }

// Lossless reports whether every packet arrived, through the judge, with
// no drop counted anywhere.
func (r Run) Lossless() bool {
	k := r.Kernel
	return r.Sent > 0 && r.Lost() == 0 && k.QueueDropped == 0 && k.UserDropped == 0 && k.SocketDrops == 0 && k.Bypassed == 0
}

// RigLimited reports whether the sender fell more than 10% short of the
// rate: such a run says more about the rig (or the machine's load) than
// about the judge.
func (r Run) RigLimited() bool { return r.Achieved < 0.9*float64(r.Rate) }

// Counters are the kernel's counts over one run, as differences.
type Counters struct {
	QueueDropped uint64 // nfnetlink_queue "queue dropped": queue full, not fail-open
	UserDropped  uint64 // nfnetlink_queue "user dropped": judge socket full, not fail-open
	SocketDrops  uint64 // /proc/net/netlink Drops of the judge's socket
	Judged       uint64 // packets handed to the judge: id sequence − socket drops
	Bypassed     uint64 // packets that went past the judge (fail-open, or no judge): sent − judged
	RigDrops     uint64 // UDP RcvbufErrors (receiver) + SndbufErrors (sender)
}

// Search is the result of the lossless-rate search.
type Search struct {
	PPS        int   // highest rate found lossless (packets/s); 0: none, or no search
	RigLimited bool  // the sender could not go faster: PPS is a lower bound
	Capped     bool  // PPS reached SearchMax: a lower bound
	Runs       []Run // every run of the search, in order
}

// Point is one rate of a judge: its run and the baseline run made at the
// same time, packet for packet.
type Point struct {
	Judge, Baseline Run
	// Paired is the percentiles of the per-packet difference: each queued
	// packet's latency minus that of its baseline twin, sent right after
	// it. A stall of the whole machine delays both twins and cancels out,
	// so on a noisy machine this is steadier than Added.
	Paired Latency
	// PairedDiffs are the per-packet differences Paired summarises, in
	// ns, sorted; WriteSummary pools them over the rounds.
	PairedDiffs []int64
}

// Added is the latency the judge added over the baseline, percentile by percentile.
func (p Point) Added() Latency { return p.Judge.Latency.Sub(p.Baseline.Latency) }

// JudgeResult is everything measured for one judge.
type JudgeResult struct {
	Name     string
	Argv     []string
	Points   []Point // one per Config.Rates, in order
	Lossless Search
	Output   string // the tail of the judge's stdout and stderr
}

// Report is the result of Bench.
type Report struct {
	Config   Config // with defaults filled in
	Baseline Search // the rig's own lossless rate, with no queue
	Judges   []JudgeResult
	Kernel   string // uname -r
}
