package fastbench

import (
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// idleLoad starts n threads that spin at SCHED_IDLE until the returned
// func is called, which waits for them to end. Each thread ends with its
// goroutine (locked, never unlocked), so no idle-priority thread goes back
// to the runtime's pool; the main thread, which the runtime keeps, gets
// its normal policy back.
func idleLoad(n int) (stop func()) {
	var (
		quit atomic.Bool
		wg   sync.WaitGroup
	)
	for range n {
		wg.Go(func() {
			runtime.LockOSThread()
			_ = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_IDLE}, 0)
			for !quit.Load() {
			}
			// The main thread does not end with a locked goroutine:
			// it must not stay at idle priority.
			_ = unix.SchedSetAttr(0, &unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_NORMAL}, 0)
		})
	}
	return func() {
		quit.Store(true)
		wg.Wait()
	}
}
