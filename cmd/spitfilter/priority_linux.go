package main

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// analysisNice is the nice value of the analysis threads: the same as the
// rest of the host, so that recognition keeps its fair share of the CPU
// (a higher value starved it of a loaded CI machine's CPU until a whole
// call went unheard).
const analysisNice = 0

// lowerPriority pins the calling goroutine to its thread and makes that
// thread a SCHED_BATCH thread, whatever policy the process runs with (a
// daemon started SCHED_FIFO would otherwise run PocketSphinx at real-time
// priority): a batch thread never preempts on wakeup, so the queue readers,
// whose packets wait in the kernel for a verdict, get the CPU first. Under CPU
// pressure the analysis falls behind and skips audio (counted); the traffic
// does not wait. The goroutine stays locked to the thread.
func lowerPriority() error {
	runtime.LockOSThread()
	return unix.SchedSetAttr(0, &unix.SchedAttr{
		Size:   unix.SizeofSchedAttr,
		Policy: unix.SCHED_BATCH,
		Nice:   analysisNice,
	}, 0)
}

// readerSlice is the time slice a queue reader asks of the kernel's fair
// scheduler (EEVDF, Linux 6.12 and later; older kernels ignore it). A
// shorter slice than the default (a few ms) gives a woken reader an
// earlier deadline, so it preempts a running analysis thread at once
// instead of waiting for the end of that thread's slice, which was
// milliseconds of added latency under load.
const readerSlice = 100 * time.Microsecond

// quickWakeup gives the calling thread, when it runs under the fair
// scheduler (SCHED_OTHER), the short slice readerSlice at its nice value.
// A thread with a real-time policy keeps it. The goroutine must be locked
// to its thread.
func quickWakeup() error {
	a, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		return err
	}
	if a.Policy != unix.SCHED_NORMAL {
		return nil
	}
	return unix.SchedSetAttr(0, &unix.SchedAttr{
		Size:    unix.SizeofSchedAttr,
		Policy:  unix.SCHED_NORMAL,
		Nice:    a.Nice,
		Runtime: uint64(readerSlice.Nanoseconds()),
	}, 0)
}
