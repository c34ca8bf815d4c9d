//go:build linux

package fastbench

import (
	"os/exec"
	"testing"
	"time"
)

func TestParseCPUTicks(t *testing.T) {
	for _, tt := range []struct {
		stat string
		want uint64
		ok   bool
	}{
		{"4242 (spitfilter) S 1 4242 4242 0 -1 4194560 2000 0 0 0 123 45 0 0 20 0 9 0 100 0 0", 168, true},
		{"7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 1 2 0 0", 3, true}, // a name with spaces and parentheses
		{"7 (x) R 1 7", 0, false},
		{"7 (x) R 1 7 7 0 -1 0 0 0 0 0 one 2 0 0", 0, false},
		{"no name here", 0, false},
	} {
		got, err := parseCPUTicks(tt.stat)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseCPUTicks(%q) = %d, %v; want %d, ok %v", tt.stat, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseStat(t *testing.T) {
	ppid, ticks, err := parseStat("4242 (a (b) c) S 17 4242 4242 0 -1 4194560 2000 0 0 0 123 45 6 7 20 0 9 0 100 0 0")
	if err != nil || ppid != 17 || ticks != 123+45+6+7 {
		t.Errorf("parseStat: parent %d, %d ticks, %v; want 17, 181", ppid, ticks, err)
	}
	for _, bad := range []string{"7 (x) R 1 7 7 0 -1 0 0 0 0 0 1 2 3", "7 (x) R one 7 7 0 -1 0 0 0 0 0 1 2 3 4", "no name"} {
		if _, _, err := parseStat(bad); err == nil {
			t.Errorf("parseStat(%q): no error", bad)
		}
	}
}

// runProc starts sh -c script as a judge the rig waits for.
func runProc(t *testing.T, script string) *judgeProc {
	t.Helper()
	p := &judgeProc{name: "sh", cmd: exec.Command("sh", "-c", script), out: &tail{max: 4096}, done: make(chan struct{})}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	return p
}

// TestSettle: the rig measures a judge once its start-up work is over, and
// one that never stops working after the timeout, saying so.
func TestSettle(t *testing.T) {
	// busy for a while (about 0.8 s of CPU here), then idle
	p := runProc(t, `i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done; exec sleep 60`)
	took, settled, err := p.settle(t.Context(), time.Minute)
	if err != nil || !settled {
		t.Fatalf("settle: %v, settled %v", err, settled)
	}
	ticks, err := procCPUTicks(p.cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	// one thread: its work takes at least as long as the CPU time it used
	// (a tick is 10 ms: USER_HZ is 100 on Linux)
	if work := time.Duration(ticks) * 10 * time.Millisecond; ticks < 20 || took < work {
		t.Errorf("settled after %v; want after its work (%d ticks of CPU, at least 20)", took, ticks)
	}
	t.Logf("settled after %v, %d ticks of work", took, ticks)

	// The work in a child process, as spitfilter makes its recognizers
	// in its recognizer process: settled once the child's work is over.
	p = runProc(t, `(i=0; while [ $i -lt 600000 ]; do i=$((i+1)); done; exec sleep 60) & exec sleep 60`)
	took, settled, err = p.settle(t.Context(), time.Minute)
	if err != nil || !settled {
		t.Fatalf("settle with a busy child: %v, settled %v", err, settled)
	}
	if ticks, err = treeCPUTicks(p.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if work := time.Duration(ticks) * 10 * time.Millisecond; ticks < 20 || took < work {
		t.Errorf("with a busy child: settled after %v; want after its work (%d ticks of CPU, at least 20)", took, ticks)
	}

	busy := runProc(t, `while :; do :; done`)
	took, settled, err = busy.settle(t.Context(), time.Second)
	if err != nil || settled || took < time.Second {
		t.Errorf("a judge that never settles: settled %v after %v, err %v; want not settled after 1 s", settled, took, err)
	}

	gone := runProc(t, `exit 3`)
	if _, _, err := gone.settle(t.Context(), time.Minute); err == nil {
		t.Error("settle on a judge that exited: no error")
	}
}
