//go:build linux

package fastbench

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run the real rig: namespaces, veth, iptables, NFQUEUE and the
// real judges. They need root, gcc and libnetfilter-queue-dev.

var judgeBins struct {
	once   sync.Once
	c, goj string
	err    error
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: network namespaces, iptables and NFQUEUE (run the tests as root, e.g. in CI)")
	}
}

// builtJudges builds the two reference judges once per test binary.
func builtJudges(t testing.TB) (cBin, goBin string) {
	t.Helper()
	judgeBins.once.Do(func() {
		dir, err := os.MkdirTemp("", "fastbench-test-")
		if err != nil {
			judgeBins.err = err
			return
		}
		ctx := context.Background()
		if judgeBins.c, judgeBins.err = BuildCJudge(ctx, dir); judgeBins.err != nil {
			return
		}
		judgeBins.goj, judgeBins.err = BuildGoJudge(ctx, dir, "")
	})
	if judgeBins.err != nil {
		t.Fatal(judgeBins.err)
	}
	return judgeBins.c, judgeBins.goj
}

func TestMain(m *testing.M) {
	code := m.Run()
	if judgeBins.c != "" {
		os.RemoveAll(strings.TrimSuffix(judgeBins.c, "/judge-c"))
	}
	os.Exit(code)
}

// labGone fails the test if a namespace of this process is left behind.
func labGone(t *testing.T) {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v: %s", err, out)
	}
	if prefix := "sfb-" + strconv.Itoa(os.Getpid()) + "-"; strings.Contains(string(out), prefix) {
		t.Errorf("namespaces %s* left behind:\n%s", prefix, out)
	}
}

func TestBenchReferenceJudges(t *testing.T) {
	needRoot(t)
	cBin, goBin := builtJudges(t)
	const rate = 2000
	rep, err := Bench(context.Background(), Config{
		Judges:         DefaultJudges(cBin, goBin),
		Rates:          []int{rate},
		Duration:       time.Second,
		SearchDuration: time.Second,
		SearchMax:      4000,
		Port:           31000,
		Bye:            true, // counted in no run: the counts below stay exact
	})
	labGone(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rep.Judges); got != 2 {
		t.Fatalf("%d judge results, want 2", got)
	}
	check := func(t *testing.T, r Run) {
		t.Helper()
		if r.Sent != rate {
			t.Errorf("sent %d packets, want %d", r.Sent, rate)
		}
		if r.Received != r.Sent || r.Duplicates != 0 {
			t.Errorf("received %d of %d packets (%d duplicates)", r.Received, r.Sent, r.Duplicates)
		}
		if r.Clockfault != 0 {
			t.Errorf("%d packets arrived before they were sent", r.Clockfault)
		}
		l := r.Latency
		if !(0 < l.Min && l.Min <= l.P50 && l.P50 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
			t.Errorf("latencies not positive and ordered: %+v", l)
		}
		// sane: within the run's own length plus the drain allowance, i.e. not garbage
		if l.Max > 10*time.Second {
			t.Errorf("max latency %v: the send time in the packet was not read back", l.Max)
		}
		if r.Kernel.RigDrops != 0 {
			t.Errorf("rig dropped %d packets", r.Kernel.RigDrops)
		}
	}
	for _, j := range rep.Judges {
		t.Run(j.Name, func(t *testing.T) {
			if len(j.Points) != 1 {
				t.Fatalf("%d points, want 1", len(j.Points))
			}
			// the judges print a summary line when they end on SIGTERM
			if !strings.Contains(j.Output, "packets accepted") {
				t.Errorf("judge output %q lacks its closing summary: was it ended by SIGTERM?", j.Output)
			}
			p := j.Points[0]
			check(t, p.Baseline)
			check(t, p.Judge)
			if !p.Baseline.Baseline || p.Judge.Baseline {
				t.Errorf("runs mixed up: baseline.Baseline=%v judge.Baseline=%v", p.Baseline.Baseline, p.Judge.Baseline)
			}
			if pl := p.Paired; !(pl.Min <= pl.P50 && pl.P50 <= pl.P99 && pl.P99 <= pl.P999 && pl.P999 <= pl.Max) || pl == (Latency{}) {
				t.Errorf("paired differences not ordered or empty: %+v", pl)
			}
			k := p.Judge.Kernel
			if k.Judged == 0 || k.Judged+k.Bypassed != uint64(p.Judge.Sent) {
				t.Errorf("judged %d + bypassed %d != sent %d: kernel counters %+v", k.Judged, k.Bypassed, p.Judge.Sent, k)
			}
			if j.Name != "c" {
				// the naive Go judge keeps the kernel's small socket buffer: on a
				// loaded machine a stall overflows it and fail-open lets packets by
				if k.Bypassed > 0 {
					t.Logf("%s: %d of %d packets bypassed the judge (socket drops %d)", j.Name, k.Bypassed, p.Judge.Sent, k.SocketDrops)
				}
				return
			}
			// the C judge's 8 MiB buffer holds seconds of this rate
			if k.Bypassed != 0 || !p.Judge.Lossless() {
				t.Errorf("C judge run not lossless: %+v", p.Judge)
			}
			// 10000 is above the search cap: the ramp starts at the cap, 4000
			s := j.Lossless
			if len(s.Runs) != 1 {
				t.Fatalf("search made %d runs, want 1", len(s.Runs))
			}
			if s.RigLimited {
				t.Skipf("machine too loaded: the sender reached %.0f of 4000 pps in the search run", s.Runs[0].Achieved)
			}
			if s.PPS != 4000 || !s.Capped {
				t.Errorf("search = %d pps, capped %v; want 4000, capped (run %+v)", s.PPS, s.Capped, s.Runs[0])
			}
		})
	}
}

// A judge that binds the queue and then stops reading: the fail-open queue
// fills and the kernel lets the rest through unjudged. Every packet arrives,
// yet the run must not count as lossless.
func TestBenchCountsBypass(t *testing.T) {
	needRoot(t)
	cBin, _ := builtJudges(t)
	stuck := Judge{Name: "stuck", Argv: []string{"sh", "-c", cBin + " {queue} 16 & sleep 0.3; kill -STOP $!; wait"}}
	rep, err := Bench(context.Background(), Config{
		Judges:         []Judge{stuck},
		Rates:          []int{1000},
		Duration:       500 * time.Millisecond,
		SearchDuration: -1,
		Port:           31100,
	})
	labGone(t)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Judges[0].Points[0].Judge
	if r.Received != r.Sent {
		t.Errorf("received %d of %d: fail-open should let them through", r.Received, r.Sent)
	}
	if r.Kernel.Bypassed != uint64(r.Sent) || r.Lossless() {
		t.Errorf("bypassed %d of %d, lossless %v; want all bypassed, not lossless (counters %+v)", r.Kernel.Bypassed, r.Sent, r.Lossless(), r.Kernel)
	}
}

func TestBenchJudgeFailures(t *testing.T) {
	needRoot(t)
	tests := []struct {
		name    string
		judge   Judge
		wantErr error
		wantMsg string
	}{
		{"exits at once", Judge{Name: "dies", Argv: []string{"sh", "-c", "echo no queue for you >&2; exit 3"}}, ErrJudgeExited, "no queue for you"},
		{"never binds", Judge{Name: "sleeper", Argv: []string{"sleep", "30"}}, ErrNotBound, "did not bind queue"},
		{"no such command", Judge{Name: "ghost", Argv: []string{"/nonexistent/judge"}}, ErrJudgeExited, "nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Bench(context.Background(), Config{
				Judges:         []Judge{tt.judge},
				SearchDuration: -1,
				BindTimeout:    time.Second,
				Port:           31200,
			})
			labGone(t)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
		})
	}
}

// Cancelling the context mid-run still removes the lab.
func TestBenchCancelCleansUp(t *testing.T) {
	needRoot(t)
	cBin, _ := builtJudges(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// cancel once the judge has bound the queue, i.e. mid-measurement
		for {
			out, _ := exec.Command("ip", "netns", "list").Output()
			if strings.Contains(string(out), "sfb-"+strconv.Itoa(os.Getpid())+"-b") {
				time.Sleep(1500 * time.Millisecond)
				cancel()
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	_, err := Bench(ctx, Config{
		Judges:         DefaultJudges(cBin, "unused")[:1],
		Rates:          []int{1000},
		Duration:       20 * time.Second,
		SearchDuration: -1,
		Port:           31300,
	})
	labGone(t)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

// BenchmarkReferenceJudges measures the C and the naive Go judge in one lab
// at 10k and 40k packets/s (1 s each, no lossless search: that is
// make bench-fastpath's job) and reports what each adds to p99 latency and
// the Go judge's p99 as a ratio to the C judge's.
func BenchmarkReferenceJudges(b *testing.B) {
	needRoot(b)
	cBin, goBin := builtJudges(b)
	for b.Loop() {
		rep, err := Bench(context.Background(), Config{
			Judges:         DefaultJudges(cBin, goBin),
			Duration:       time.Second,
			SearchDuration: -1,
			Port:           31400,
		})
		if err != nil {
			b.Fatal(err)
		}
		c, g := rep.judge("c"), rep.judge("go")
		for i, rate := range rep.Config.Rates {
			k := kpps(rate)
			cp99, gp99 := c.Points[i].Added().P99, g.Points[i].Added().P99
			b.ReportMetric(float64(cp99)/1e3, "c-added-p99-µs@"+k)
			b.ReportMetric(float64(gp99)/1e3, "go-added-p99-µs@"+k)
			if cp99 > 0 {
				b.ReportMetric(float64(gp99)/float64(cp99), "go/c-p99@"+k)
			}
		}
	}
}
