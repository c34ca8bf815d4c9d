//go:build unix

package obs

import (
	"os/exec"
	"syscall"
)

// killGroup runs cmd in a process group of its own and makes its Cancel
// (the timeout) kill that group by its id, so that a shell script's
// children die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
