package main

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// analysisNice is the nice value of batch analysis threads: the same as
// the rest of the host, so that recognition keeps its fair share of the
// CPU (a higher value starved it of a loaded CI machine's CPU until a
// whole call went unheard).
const analysisNice = 0

// lowerPriority pins the calling goroutine to its thread and gives that
// thread the analysis priority p, whatever policy the process runs with (a
// daemon started SCHED_FIFO would otherwise run PocketSphinx at real-time
// priority). Both never preempt on wakeup, so the queue readers, whose
// packets wait in the kernel for a verdict, get the CPU first:
//
//   - AnalysisIdle (SCHED_IDLE): the analysis runs on CPU time nothing else
//     wants. Every other thread, the daemon's readers, the kernel's packet
//     path, the media relay and the PBX, preempts it at once.
//   - AnalysisBatch (SCHED_BATCH, nice 0): a fair share of the CPU next to
//     the host's other work; a running analysis thread delays a woken
//     thread by up to its time slice.
//
// Under CPU pressure the analysis falls behind and skips audio (counted);
// the traffic does not wait. The goroutine stays locked to the thread.
func lowerPriority(p AnalysisPriority) error {
	runtime.LockOSThread()
	policy := uint32(unix.SCHED_IDLE)
	if p == AnalysisBatch {
		policy = unix.SCHED_BATCH
	}
	return unix.SchedSetAttr(0, &unix.SchedAttr{
		Size:   unix.SizeofSchedAttr,
		Policy: policy,
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
