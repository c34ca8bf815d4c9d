//go:build unix

package pocketsphinx

import (
	"errors"
	"syscall"
)

// processAlive tells whether process pid exists (one of another user
// counts: signal 0 is refused, not unknown).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
