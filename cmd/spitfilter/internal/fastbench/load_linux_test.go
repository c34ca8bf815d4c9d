package fastbench

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
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

// TestCJudgeHoldsMemory: the C judge's third argument (c-mem-load) makes
// it hold that much memory, resident, while it judges; a bad value is
// refused with the argument named. The judge runs in a network namespace
// of its own (unshare -n), which goes with it.
func TestCJudgeHoldsMemory(t *testing.T) {
	needRoot(t)
	cBin, _ := builtJudges(t)
	j := MemLoadJudge(cBin, 64)
	if want := []string{cBin, QueuePlaceholder, "4096", "64"}; !slices.Equal(j.Argv, want) {
		t.Fatalf("MemLoadJudge argv %q, want %q", j.Argv, want)
	}

	out, err := exec.Command(cBin, "7", "4096", "-1").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "memory to hold (MiB) -1: want a number") {
		t.Errorf("judge 7 4096 -1: exit %d, %q; want 2 and the argument named", code, out)
	}

	// Signalled once all its memory is resident, and while it is still
	// writing it: a clean end with its summary either way.
	termWhenResident(t, cBin, 64, 64)
	termWhenResident(t, cBin, 512, 8)
}

// termWhenResident starts the C judge holding holdMiB in a namespace of
// its own, sends SIGTERM once atMiB are resident, and wants a clean exit
// with the judge's summary.
func termWhenResident(t *testing.T, cBin string, holdMiB, atMiB int) {
	t.Helper()
	var stderr strings.Builder
	p := exec.Command("unshare", "-n", cBin, "7", "4096", strconv.Itoa(holdMiB))
	p.Stderr = &stderr
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	defer p.Process.Kill()
	deadline := time.Now().Add(10 * time.Second)
	for rss := 0; rss < atMiB; rss = rssMiB(t, p.Process.Pid) {
		if time.Now().After(deadline) {
			t.Fatalf("judge holding %d MiB has %d MiB resident after 10 s; stderr %q", holdMiB, rss, stderr.String())
		}
		time.Sleep(time.Millisecond)
	}
	if err := p.Process.Signal(unix.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Fatalf("judge holding %d MiB, SIGTERM at %d MiB resident: %v; stderr %q", holdMiB, atMiB, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "0 packets accepted") {
		t.Errorf("judge holding %d MiB: summary %q", holdMiB, stderr.String())
	}
}

// rssMiB is process pid's resident memory in MiB, from /proc/PID/statm
// (0 once it is gone).
func rssMiB(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		t.Fatalf("/proc/%d/statm: %q", pid, b)
	}
	pages, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatal(err)
	}
	return pages * os.Getpagesize() >> 20
}

// exitCode is the exit status err reports (0 for nil, -1 when it is not
// an exit status).
func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	return -1
}
