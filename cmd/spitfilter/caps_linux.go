package main

import (
	"errors"

	"golang.org/x/sys/unix"
)

// dropCapabilities empties the calling thread's capabilities before it
// forks the recognizer process, which feeds the calls' audio to an
// engine's C library and needs none: the bounding set as far as the thread
// may (that takes CAP_SETPCAP, which root has; without it a process that is
// not root gets no capability at exec anyway), the ambient set (which
// systemd's AmbientCapabilities fills, and exec would pass on), and the
// thread's own sets. The thread must be one that ends afterwards.
func dropCapabilities() error {
	for c := 0; c < 64; c++ {
		if err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0); errors.Is(err, unix.EINVAL) {
			break // past the last capability the kernel knows
		} else if errors.Is(err, unix.EPERM) {
			break // no CAP_SETPCAP
		}
	}
	if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0); err != nil && !errors.Is(err, unix.EINVAL) {
		return err
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	return unix.Capset(&hdr, &data[0])
}
