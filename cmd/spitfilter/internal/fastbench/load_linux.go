package fastbench

import (
	"fmt"
	"os/exec"
)

// idleLoad is a set of processes spinning at SCHED_IDLE.
type idleLoad []*exec.Cmd

// startIdleLoad starts n processes that spin at SCHED_IDLE (chrt -i 0, a
// shell loop) until stop. They are processes of their own, not threads of
// the rig: a spinning thread of the rig would hold one of its Go
// processors, which its sender and receiver need.
func startIdleLoad(n int) (idleLoad, error) {
	var l idleLoad
	for range n {
		p := exec.Command("chrt", "-i", "0", "sh", "-c", "while :; do :; done")
		if err := p.Start(); err != nil {
			l.stop()
			return nil, fmt.Errorf("%w: idle load: %v", ErrSetup, err)
		}
		l = append(l, p)
	}
	return l, nil
}

// stop kills the processes (by pid) and waits for them.
func (l idleLoad) stop() {
	for _, p := range l {
		_ = p.Process.Kill()
		_ = p.Wait()
	}
}
