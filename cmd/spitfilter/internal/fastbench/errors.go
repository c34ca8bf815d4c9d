package fastbench

import "errors"

var (
	// ErrJudgeSpec means a judge was not given as "name=command args...".
	ErrJudgeSpec = errors.New("fastbench: bad judge")
	// ErrJudgeExited means a judge process ended before or while it was measured.
	ErrJudgeExited = errors.New("fastbench: judge exited")
	// ErrNotBound means no judge bound the queue within the time allowed.
	ErrNotBound = errors.New("fastbench: queue not bound")
	// ErrProcFormat means a /proc file did not read as the kernel writes it.
	ErrProcFormat = errors.New("fastbench: unexpected /proc format")
	// ErrConfig means a Config field is out of range.
	ErrConfig = errors.New("fastbench: bad config")
	// ErrSetup means a lab command (ip, iptables, a compiler) failed.
	ErrSetup = errors.New("fastbench: setup failed")
)
