//go:build linux

package fastbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Bench builds the lab, measures the baseline and every judge in it, and
// removes the lab again, also when ctx is cancelled or a judge fails.
// It needs root.
func Bench(ctx context.Context, cfg Config) (_ *Report, err error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: need root for network namespaces, iptables and NFQUEUE", ErrSetup)
	}
	log := cfg.Logger
	l, err := newLab(ctx, log, cfg.Port, cfg.Queue)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, l.Close()) }()

	b := &bench{cfg: cfg, lab: l, clk: newClock()}
	rep := &Report{Config: cfg, Kernel: kernelRelease()}
	if cfg.SearchDuration > 0 {
		log.Info("searching the rig's own lossless rate (baseline packets only)")
		if rep.Baseline, err = b.search(ctx, true); err != nil {
			return nil, err
		}
	}
	for _, j := range cfg.Judges {
		res, err := b.judge(ctx, j)
		if err != nil {
			return nil, err
		}
		rep.Judges = append(rep.Judges, res)
	}
	return rep, nil
}

type bench struct {
	cfg Config
	lab *lab
	clk clock
	run uint32 // id of the last run
	jp  *judgeProc
}

func (b *bench) sched() scheduling { return scheduling{nice: b.cfg.Nice, rt: b.cfg.RTPriority} }

// judge measures one judge: latency points at each rate, each beside a
// baseline, then the lossless search.
func (b *bench) judge(ctx context.Context, j Judge) (res JudgeResult, err error) {
	log := b.cfg.Logger.With("judge", j.Name)
	res = JudgeResult{Name: j.Name, Argv: j.Argv}
	log.Info("starting judge", "argv", strings.Join(j.Argv, " "))
	p, err := startJudge(j, b.lab.nsB, b.cfg.Queue, b.sched())
	if err != nil {
		return res, err
	}
	b.jp = p
	defer func() {
		p.stop(3 * time.Second)
		b.jp = nil
		res.Output = p.out.String()
		err = errors.Join(err, waitUnbound(b.lab.nsB, b.cfg.Queue, 3*time.Second))
	}()
	if _, err := p.waitBound(ctx, b.lab.nsB, b.cfg.Queue, b.cfg.BindTimeout); err != nil {
		return res, err
	}
	took, settled, err := p.settle(ctx, b.cfg.BindTimeout)
	if err != nil {
		return res, err
	}
	log.Info("judge bound its queue", "settled", settled, "settled_after", took.Round(time.Millisecond))
	if !settled {
		log.Warn("judge still busy after the bind timeout; measuring anyway", "timeout", b.cfg.BindTimeout)
	}
	if j.IdleLoad {
		load, err := startIdleLoad(runtime.NumCPU())
		if err != nil {
			return res, err
		}
		defer load.stop()
	}
	// warm up: 1000 packets at 1000/s, not counted
	if _, _, err := b.measure(ctx, [2]bool{true, true}, 1000, time.Second); err != nil {
		return res, err
	}
	for _, rate := range b.cfg.Rates {
		runs, diffs, err := b.measure(ctx, [2]bool{true, true}, rate, b.cfg.Duration)
		if err != nil {
			return res, err
		}
		jr, base := runs[kindJudged], runs[kindBaseline]
		pt := Point{Judge: jr, Baseline: base, Paired: summarize(diffs), PairedDiffs: diffs}
		a := pt.Added()
		log.Info("latency", "rate", rate, "lost", jr.Lost(), "bypassed", jr.Kernel.Bypassed,
			"added_p50", a.P50, "added_p99", a.P99, "added_p99.9", a.P999, "baseline_p99", base.Latency.P99)
		res.Points = append(res.Points, pt)
	}
	if b.cfg.SearchDuration > 0 {
		log.Info("searching the lossless rate")
		if res.Lossless, err = b.search(ctx, false); err != nil {
			return res, err
		}
	}
	return res, nil
}

// search ramps the rate up by doubling from 10000 packets/s until a run
// loses a packet (or the sender cannot keep up, or SearchMax), then bisects.
func (b *bench) search(ctx context.Context, baseline bool) (Search, error) {
	var s Search
	try := func(rate int) (ok bool, err error) {
		kind := kindJudged
		if baseline {
			kind = kindBaseline
		}
		var use [2]bool
		use[kind] = true
		runs, _, err := b.measure(ctx, use, rate, b.cfg.SearchDuration)
		if err != nil {
			return false, err
		}
		r := runs[kind]
		s.Runs = append(s.Runs, r)
		b.cfg.Logger.Debug("search", "baseline", baseline, "rate", rate, "achieved", int(r.Achieved),
			"lost", r.Lost(), "bypassed", r.Kernel.Bypassed, "lossless", r.Lossless())
		if r.Lossless() && r.RigLimited() {
			s.RigLimited = true
		}
		return r.Lossless() && !r.RigLimited(), nil
	}
	lo, hi := 0, 0
	for rate := min(10000, b.cfg.SearchMax); hi == 0; rate = min(rate*2, b.cfg.SearchMax) {
		ok, err := try(rate)
		if err != nil {
			return s, err
		}
		if !ok {
			hi = rate
			break
		}
		lo = rate
		if rate >= b.cfg.SearchMax {
			s.PPS, s.Capped = lo, true
			return s, nil
		}
	}
	if s.RigLimited {
		// the sender, not the judge, stopped the ramp
		s.PPS = lo
		return s, nil
	}
	for lo == 0 && hi > 1000 { // lossy at the start: go down
		hi /= 2
		ok, err := try(hi)
		if err != nil {
			return s, err
		}
		if ok {
			lo, hi = hi, hi*2
		}
	}
	for lo > 0 && float64(hi) > float64(lo)*(1+b.cfg.SearchPrecision) {
		mid := (lo + hi) / 2
		ok, err := try(mid)
		if err != nil {
			return s, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
		if s.RigLimited {
			break
		}
	}
	s.PPS = lo
	return s, nil
}

// measure sends rate packets/s for d from the queued source port, the
// baseline's, or both (use[kindJudged], use[kindBaseline]); with both, each
// packet number goes out twice, queued and baseline back to back, so both
// see the same moment of the machine. It returns the run of each kind and,
// with both, the per-packet paired differences (receiver.pairedDiffs).
func (b *bench) measure(ctx context.Context, use [2]bool, rate int, d time.Duration) (runs [2]Run, paired []int64, err error) {
	if err := ctx.Err(); err != nil {
		return runs, paired, err
	}
	if b.jp != nil {
		if err := b.jp.exited(); err != nil {
			return runs, paired, err
		}
	}
	n := max(1, int(float64(rate)*d.Seconds()))
	b.run++
	before, err := b.counters(use[kindJudged])
	if err != nil {
		return runs, paired, err
	}
	cpu0, err := readCPUTimes()
	if err != nil {
		return runs, paired, err
	}
	rc := newReceiver(b.lab.recv, b.run, n, use)
	recvErr := make(chan error, 1)
	go func() { recvErr <- rc.loop(b.clk, b.sched()) }()

	var abort atomic.Bool
	stopWatch := context.AfterFunc(ctx, func() { abort.Store(true) })
	sr, sendErr := send(b.lab.send, use, b.clk, b.run, n, rate, b.cfg.Spin, b.sched(), &abort)
	stopWatch()
	want := int64(sr.sent)
	if use[0] && use[1] {
		want *= 2
	}
	// drain: wait until all arrived or nothing came for 1 s (at most 10 s);
	// a stalled judge on a busy machine can hold packets for hundreds of ms
	// and they are late, not lost
	deadline := b.clk.now() + int64(10*time.Second)
	for rc.received() < want {
		now := b.clk.now()
		if now-max(rc.last.Load(), sr.end) > int64(time.Second) || now > deadline {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	rc.stop.Store(true)
	if err := errors.Join(sendErr, <-recvErr, ctx.Err()); err != nil {
		return runs, paired, err
	}
	cpu1, err := readCPUTimes()
	if err != nil {
		return runs, paired, err
	}
	after, err := b.counters(use[kindJudged])
	if err != nil {
		return runs, paired, err
	}
	if b.cfg.Bye && use[kindJudged] {
		if err := sendBye(b.lab.send[kindJudged], b.run); err != nil {
			return runs, paired, err
		}
		if !awaitBye(b.lab.recv, b.run, time.Second) {
			b.cfg.Logger.Warn("the RTCP BYE ending the run did not come through within 1 s; the next run may count it", "run", b.run)
		}
	}
	if use[kindJudged] && use[kindBaseline] {
		paired = rc.pairedDiffs()
	}
	for kind := range runs {
		if !use[kind] {
			continue
		}
		r := &runs[kind]
		*r = Run{
			Baseline:   kind == kindBaseline,
			Rate:       rate,
			Sent:       sr.sent,
			Achieved:   sr.achieved(),
			SenderLate: time.Duration(sr.maxLate),
			CPUBusy:    busyBetween(cpu0, cpu1),
			Received:   int(rc.got[kind].Load()),
			Duplicates: rc.dup[kind],
			Clockfault: rc.bad[kind],
			Latency:    summarize(rc.latencies(kind)),
			Kernel:     after.sub(before),
		}
		if kind == kindJudged {
			r.Kernel.Judged = after.ids - before.ids - r.Kernel.SocketDrops
			if r.Kernel.Judged < uint64(r.Sent) {
				r.Kernel.Bypassed = uint64(r.Sent) - r.Kernel.Judged
			}
		} else {
			r.Kernel.QueueDropped, r.Kernel.UserDropped, r.Kernel.SocketDrops = 0, 0, 0
		}
	}
	return runs, paired, nil
}

// snapshot is the kernel counters at one moment.
type snapshot struct {
	queue       QueueStats
	ids         uint64
	socketDrops uint64
	rcvbuf      uint64 // UDP RcvbufErrors in the receiver's namespace
	sndbuf      uint64 // UDP SndbufErrors in the sender's namespace
}

func (a snapshot) sub(b snapshot) Counters {
	return Counters{
		QueueDropped: a.queue.QueueDropped - b.queue.QueueDropped,
		UserDropped:  a.queue.UserDropped - b.queue.UserDropped,
		SocketDrops:  a.socketDrops - b.socketDrops,
		RigDrops:     (a.rcvbuf - b.rcvbuf) + (a.sndbuf - b.sndbuf),
	}
}

func (b *bench) counters(queued bool) (snapshot, error) {
	var s snapshot
	snmpB, err := readNetFile(b.lab.nsB, "snmp")
	if err != nil {
		return s, fmt.Errorf("%w: read /proc/net/snmp: %v", ErrSetup, err)
	}
	if s.rcvbuf, err = parseUDPCounter(snmpB, "RcvbufErrors"); err != nil {
		return s, err
	}
	snmpA, err := readNetFile(b.lab.nsA, "snmp")
	if err != nil {
		return s, fmt.Errorf("%w: read /proc/net/snmp: %v", ErrSetup, err)
	}
	if s.sndbuf, err = parseUDPCounter(snmpA, "SndbufErrors"); err != nil {
		return s, err
	}
	if !queued {
		return s, nil
	}
	st, ok, err := queueStats(b.lab.nsB, b.cfg.Queue)
	if err != nil {
		return s, err
	}
	if !ok {
		if b.jp != nil {
			if err := b.jp.exited(); err != nil {
				return s, err
			}
		}
		return s, fmt.Errorf("%w: queue %d has no listener", ErrNotBound, b.cfg.Queue)
	}
	s.queue, s.ids = st, st.IDSequence
	nl, err := readNetFile(b.lab.nsB, "netlink")
	if err != nil {
		return s, fmt.Errorf("%w: read /proc/net/netlink: %v", ErrSetup, err)
	}
	d, ok, err := parseNetlinkDrops(nl, st.PortID)
	if err != nil {
		return s, err
	}
	if !ok {
		return s, fmt.Errorf("%w: no netfilter netlink socket with port id %d in /proc/net/netlink", ErrProcFormat, st.PortID)
	}
	s.socketDrops = d
	return s, nil
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "unknown"
	}
	return unix.ByteSliceToString(u.Release[:])
}

func readCPUTimes() (cpuTimes, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return cpuTimes{}, fmt.Errorf("%w: %v", ErrSetup, err)
	}
	return parseCPUTimes(b)
}
