package main

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// analysisNice is the nice value of the analysis threads.
const analysisNice = 10

// lowerPriority pins the calling goroutine to its thread and makes that
// thread a batch thread at nice analysisNice, whatever policy the process
// runs with (even SCHED_FIFO): speech recognition must never take the CPU
// from the queue readers, whose packets wait in the kernel for a verdict.
// Under CPU pressure the analysis falls behind and skips audio (counted);
// the traffic does not wait. The goroutine stays locked to the thread.
func lowerPriority() error {
	runtime.LockOSThread()
	return unix.SchedSetAttr(0, &unix.SchedAttr{
		Size:   unix.SizeofSchedAttr,
		Policy: unix.SCHED_BATCH,
		Nice:   analysisNice,
	}, 0)
}
