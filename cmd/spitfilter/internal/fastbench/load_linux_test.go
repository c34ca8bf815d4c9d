package fastbench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// idleThreads counts the process's threads whose policy is SCHED_IDLE (5).
func idleThreads(t *testing.T) (n int) {
	t.Helper()
	tasks, err := filepath.Glob("/proc/self/task/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		sched, err := os.ReadFile(filepath.Join(task, "sched"))
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(sched), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "policy" && f[2] == "5" {
				n++
			}
		}
	}
	return n
}

func TestIdleLoad(t *testing.T) {
	if n := idleThreads(t); n != 0 {
		t.Fatalf("%d idle-priority threads before the load", n)
	}
	stop := idleLoad(2)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := idleThreads(t)
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("%d idle-priority threads spinning, want 2", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	// The threads end with their goroutines: none stays in the runtime's
	// pool at idle priority.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n := idleThreads(t)
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idle-priority threads left after stop", n)
		}
	}
}
