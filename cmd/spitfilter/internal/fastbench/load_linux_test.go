package fastbench

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// schedPolicy is the policy of process pid from /proc (5: SCHED_IDLE).
func schedPolicy(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/sched")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "policy" {
			return f[2]
		}
	}
	t.Fatalf("no policy in /proc/%d/sched", pid)
	return ""
}

// TestIdleLoad: the load is two processes at SCHED_IDLE that spin, and
// stop leaves none behind.
func TestIdleLoad(t *testing.T) {
	l, err := startIdleLoad(2)
	if err != nil {
		t.Fatal(err)
	}
	defer l.stop()
	if len(l) != 2 {
		t.Fatalf("%d processes, want 2", len(l))
	}
	deadline := time.Now().Add(5 * time.Second)
	for _, p := range l {
		for schedPolicy(t, p.Process.Pid) != "5" { // chrt sets it, then execs sh
			if time.Now().After(deadline) {
				t.Fatalf("process %d is not SCHED_IDLE", p.Process.Pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	l.stop()
	for _, p := range l {
		if p.ProcessState == nil {
			t.Errorf("process %d not waited for", p.Process.Pid)
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(p.Process.Pid)); err == nil {
			t.Errorf("process %d still there after stop", p.Process.Pid)
		}
	}
}
