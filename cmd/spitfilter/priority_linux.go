package main

import (
	"runtime"

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
